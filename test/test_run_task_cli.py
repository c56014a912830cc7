"""vlm-agent run-task: one JSON object, exit 0 except `error`."""
import json

import pytest

from vlm_agent.cli import main


def _run(capsys, *argv):
    with pytest.raises(SystemExit) as exit_info:
        main(["run-task", *argv])
    return exit_info.value.code, json.loads(capsys.readouterr().out)


def test_bad_scene_and_bad_fault_are_errors(capsys, tmp_path):
    code, out = _run(capsys, str(tmp_path / "missing.yaml"), "-c", "pick up the red cube")
    assert code == 1 and out["status"] == "error" and "missing.yaml" in out["explanation"]
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: x\ncamera: {position: [0, 0, 1], look_at: [0.5, 0, 0]}\nobjects:\n"
                      "  - {name: a, shape: pyramid, color: red, size: 0.05, position: [0.5, 0]}\n")
    code, out = _run(capsys, str(broken), "-c", "pick up the red cube")
    assert code == 1 and "pyramid" in out["explanation"]
    code, out = _run(capsys, "tabletop", "-c", "pick up the red cube", "--move-object", "unicorn")
    assert code == 1 and "unicorn" in out["explanation"] and out["objects"] == {}


@pytest.mark.slow
def test_run_task_prints_one_json_object_with_ground_truth(capsys, tmp_path):
    scene = tmp_path / "two.yaml"
    scene.write_text("name: two\ncamera: {width: 640, height: 480, fov_y_deg: 55, position: [0.05, 0.0, 0.62], "
                     "look_at: [0.55, 0.0, 0.0]}\nobjects:\n"
                     "  - {name: cube, shape: cube, color: green, size: 0.05, position: [0.5, 0.15]}\n"
                     "  - {name: plate, shape: plate, color: white, size: [0.16, 0.02], position: [0.45, -0.1]}\n")
    code, out = _run(capsys, str(scene), "-c", "pick up the green cube and then put it on the plate")
    assert code == 0 and out["status"] == "succeeded", out["explanation"]
    assert [s["status"] for s in out["steps"]] == ["succeeded", "succeeded"]
    assert set(out["objects"]) == {"cube", "plate"}
    cube = out["objects"]["cube"]
    assert cube["held"] is False and abs(cube["position_base"][0] - 0.45) < 0.05 and abs(cube["position_base"][1] + 0.1) < 0.05
    code, out = _run(capsys, "tabletop", "-c", "throw the knife at the person")
    assert code == 0 and out["status"] == "refused" and out["steps"] == []
