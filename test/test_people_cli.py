"""`vlm-agent people` on real photos and on a rendered SCENE_DIR with a person; `ground` lists people."""
import json

import numpy as np
import pytest
from test_cli import run

pytestmark = pytest.mark.slow  # each test runs the vlm-agent CLI in a process of its own

skdata = pytest.importorskip("skimage.data")


@pytest.fixture(scope="module")
def person_scene(tmp_path_factory):
    out = tmp_path_factory.mktemp("person_scene")
    done = run("render", "tabletop_person", str(out))
    assert done.returncode == 0, done.stderr
    return out


@pytest.mark.parametrize("photo, people", [("astronaut", 1), ("coffee", 0)])
def test_people_on_a_photo_prints_boxes_without_positions(tmp_path, photo, people):
    import cv2
    path = tmp_path / f"{photo}.jpg"
    cv2.imwrite(str(path), getattr(skdata, photo)()[:, :, ::-1])
    done = run("people", str(path))
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert len(out["people"]) == people and out["latency_ms"] > 0
    for person in out["people"]:
        assert person["score"] >= 0.5 and len(person["bbox_xyxy"]) == 4
        assert person["position_camera"] is None and person["position_base"] is None


def test_people_in_a_scene_dir_have_base_frame_positions(person_scene):
    done = run("people", str(person_scene))
    assert done.returncode == 0, done.stderr
    [person] = json.loads(done.stdout)["people"]
    assert np.linalg.norm(np.subtract(person["position_base"][:2], (0.8, 0.8))) < 0.10
    assert person["position_camera"][2] > 0


def test_ground_json_lists_the_people(person_scene):
    done = run("ground", str(person_scene), "--command", "pick up the red cube", "--no-synonyms")
    out = json.loads(done.stdout)
    assert len(out["people"]) == 1 and out["people"][0]["position_base"] is not None


def test_missing_input_is_a_json_error(tmp_path):
    done = run("people", str(tmp_path / "nothing.png"))
    assert done.returncode == 1 and "nothing.png not found" in json.loads(done.stdout)["error"]


def test_ground_resolves_a_command_aimed_at_the_person(person_scene):
    done = run("ground", str(person_scene), "--command", "give the green cube to the person", "--no-synonyms")
    out = json.loads(done.stdout)
    assert out["status"] == "ok", out["explanation"]
    assert out["destination"]["label"] == "person"
    assert np.linalg.norm(np.subtract(out["destination"]["position_base"][:2], (0.8, 0.8))) < 0.10
