"""The installed vlm-agent console script, as a user runs it."""
import io
import json
import shutil
import subprocess
import sys

import numpy as np
import pytest

pytestmark = pytest.mark.slow  # each test runs the vlm-agent CLI in a process of its own

CLI = shutil.which("vlm-agent") or f"{sys.executable} -m vlm_agent.cli"


def run(*args):
    return subprocess.run([*CLI.split(), *args], capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def scene_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("scene")
    done = run("render", "tabletop", str(out))
    assert done.returncode == 0, done.stderr
    return out


def test_render_writes_the_scene_dir_format(scene_dir):
    import cv2
    rgb = cv2.imread(str(scene_dir / "rgb.png"), cv2.IMREAD_UNCHANGED)
    depth = cv2.imread(str(scene_dir / "depth.png"), cv2.IMREAD_UNCHANGED)
    assert rgb.shape == (480, 640, 3) and depth.dtype == np.uint16 and depth.shape == (480, 640)
    assert "base_from_camera" in (scene_dir / "camera.yaml").read_text()


def test_ground_prints_one_json_object(scene_dir):
    done = run("ground", str(scene_dir), "--command", "pick up the red cube", "--no-synonyms")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    truth = {o["name"]: o for o in json.loads((scene_dir / "ground_truth.json").read_text())}
    assert out["status"] == "ok" and out["destination"] is None and out["explanation"]
    target = out["target"]
    assert set(target) >= {"label", "score", "bbox_xyxy", "position_camera", "position_base", "size"}
    assert np.linalg.norm(np.subtract(target["position_base"], truth["red_cube"]["position_base"])) < 0.02


def test_ground_place_command_reports_destination(scene_dir):
    out = json.loads(run("ground", str(scene_dir), "-c", "put the green cube on the plate", "--no-synonyms").stdout)
    assert out["status"] == "ok" and out["destination"]["label"] == "plate"


def test_ground_not_found_and_ambiguous_exit_zero(scene_dir):
    done = run("ground", str(scene_dir), "-c", "pick up the purple cube", "--no-synonyms")
    assert done.returncode == 0 and json.loads(done.stdout)["status"] == "not_found"
    done = run("ground", str(scene_dir), "-c", "pick up the cube", "--no-synonyms")
    assert done.returncode == 0 and len(json.loads(done.stdout)["candidates"]) == 3


def test_ground_errors_exit_one(tmp_path):
    done = run("ground", str(tmp_path / "missing"), "-c", "pick up the red cube")
    assert done.returncode == 1 and json.loads(done.stdout)["status"] == "error"


def _edit_camera(scene, **changes):
    import yaml
    data = yaml.safe_load((scene / "camera.yaml").read_text())
    (scene / "camera.yaml").write_text(yaml.safe_dump({**data, **changes}))


def _write_depth(scene, depth):
    import cv2
    cv2.imwrite(str(scene / "depth.png"), depth)


@pytest.mark.parametrize("edit, message", [
    (lambda scene: _edit_camera(scene, image_width="wide"), "camera.yaml: image_width: 'wide' is not an integer"),
    (lambda scene: _edit_camera(scene, camera_matrix={"data": [0.72, 0, 320, 0, 0.72, 240, 0, 0, 1]}),
     "camera.yaml: camera_matrix: fx=0.72 gives a 179.7 degree field of view across 640 pixels; objects would not "
     "be found (is fx in pixels?)"),
    (lambda scene: _write_depth(scene, np.full((480, 640), 3, np.uint16)), "depth.png: every depth value is at "
     "most 3 mm: was it saved in metres instead of millimetres? Multiply by 1000 before writing the 16-bit PNG"),
    (lambda scene: _write_depth(scene, np.zeros((480, 640, 3), np.uint8)), "depth.png must be a single-channel "
     "16-bit PNG in millimetres (found uint8, 3 dimension(s))"),
    (lambda scene: (scene / "depth.png").unlink(), "depth.png not found"),
], ids=["image_width", "focal_length", "depth_in_metres", "depth_dtype", "depth_missing"])
def test_ground_errors_name_the_file_and_field_or_hint_at_the_cause(scene_dir, tmp_path, edit, message):
    broken = tmp_path / "broken"
    shutil.copytree(scene_dir, broken)
    edit(broken)
    done = run("ground", str(broken), "-c", "pick up the red cube", "--no-synonyms")
    out = json.loads(done.stdout)
    assert done.returncode == 1 and out["status"] == "error" and "Traceback" not in done.stderr
    assert out["message"].endswith(message)


def test_ground_refuses_images_over_max_pixels_from_the_header(scene_dir):
    done = run("ground", str(scene_dir), "-c", "pick up the red cube", "--no-synonyms", "--max-pixels", "1000")
    assert done.returncode == 1 and json.loads(done.stdout)["message"] == (
        f"{scene_dir}/rgb.png: 640x480 pixels is more than the limit of 1000 pixels (e.g. 31x31)")


def test_ground_answers_questions(scene_dir):
    out = json.loads(run("ground", str(scene_dir), "-c", "Is there a yellow ball?", "--no-synonyms").stdout)
    assert out["status"] == "ok" and out["answer"] == "Yes, I see 1 yellow ball."


@pytest.mark.parametrize("backend", ["owl", "grounding_dino", "florence2", "qwen2_5_vl"])
def test_every_model_backend_without_weights_says_how_to_get_them(scene_dir, tmp_path, backend):
    done = run("ground", str(scene_dir), "-c", "pick up the red cube", "--backend", backend,
               "--model", str(tmp_path), "--no-synonyms")
    out = json.loads(done.stdout)
    assert done.returncode == 1 and out["status"] == "error" and "huggingface-cli download" in out["message"]


def test_build_engine_without_tensorrt_says_what_to_install(tmp_path):
    pytest.importorskip("torch")
    try:
        import tensorrt  # noqa: F401
        pytest.skip("TensorRT is installed here")
    except ImportError:
        pass
    done = run("models", "build-engine", str(tmp_path))
    assert done.returncode == 1 and "TensorRT is not installed: `pip install tensorrt`" in done.stderr


def test_launch_options_come_from_the_shared_launch_arguments():
    from vlm_agent.cli import build_parser
    from vlm_agent.graph import parameter_overrides
    args = build_parser().parse_args(["launch", "--backend", "qwen2_5_vl", "--model-path", "/m", "--device", "cuda"])
    assert parameter_overrides(vars(args)) == {"grounding": {"backend": "qwen2_5_vl", "model_path": "/m",
                                                             "device": "cuda"}}


def test_guard_verdicts_and_exit_codes():
    knife = run("guard", "throw the knife at the person", "--rules-only")
    refused = json.loads(knife.stdout)
    assert refused == {"allowed": False, "category": "harm_to_people", "score": 1.0, "reason": refused["reason"]}
    assert knife.returncode == 3
    cube = run("guard", "pick up the red cube", "--rules-only")
    assert json.loads(cube.stdout)["allowed"] is True and cube.returncode == 0


def test_guard_reads_one_command_per_line_from_stdin():
    lines = "pick up the red cube\n\nthrow the knife at the person\nput the green cube on the plate\n"
    done = subprocess.run([*CLI.split(), "guard", "-", "--rules-only"], input=lines, capture_output=True,
                          text=True, timeout=120)
    verdicts = [json.loads(line) for line in done.stdout.splitlines()]
    assert [(v["text"], v["allowed"]) for v in verdicts] == [("pick up the red cube", True),
                                                             ("throw the knife at the person", False),
                                                             ("put the green cube on the plate", True)]
    assert done.returncode == 3
    allowed = subprocess.run([*CLI.split(), "guard", "-", "--rules-only"], input="point at the cube\n",
                             capture_output=True, text=True, timeout=120)
    assert allowed.returncode == 0 and len(allowed.stdout.splitlines()) == 1


def test_guard_help_documents_the_exit_codes():
    done = run("guard", "--help")
    assert "exit status: 0 every command allowed, 3 at least one refused, 1 the guard could not load, 2 usage error" \
        in " ".join(done.stdout.split())


def test_guard_exit_codes_for_a_bad_config_and_bad_usage(tmp_path):
    broken = run("guard", "--config", str(tmp_path / "none.yaml"), "pick up the red cube")
    out = json.loads(broken.stdout)
    assert broken.returncode == 1 and out["category"] == "guard_error" and "none.yaml" in out["reason"]
    assert run("guard").returncode == 2


def test_guard_batch_builds_the_guard_once(monkeypatch, capsys):
    from vlm_agent import cli
    from vlm_agent.core.safety import guard
    built = []

    class CountingGuard(guard.CommandGuard):
        def __init__(self, *args, **kwargs):
            built.append(self)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(guard, "CommandGuard", CountingGuard)
    monkeypatch.setattr(sys, "stdin", io.StringIO("pick up the red cube\r\n  \npoint at the cube\n"))
    with pytest.raises(SystemExit) as exit_code:
        cli.main(["guard", "-", "--rules-only"])
    lines = capsys.readouterr().out.splitlines()
    assert exit_code.value.code == 0 and len(built) == 1
    assert [json.loads(line)["text"] for line in lines] == ["pick up the red cube", "point at the cube"]
    assert set(json.loads(lines[0])) == {"text", "allowed", "category", "score", "reason"}
