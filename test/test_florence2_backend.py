"""Florence-2 backend on a tiny randomly initialised checkpoint built from the real transformers
classes: loading, generation, the processor's task parsing into objects, description, caching."""
import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("PIL")
from tiny_models import build_tiny_florence2  # noqa: E402

from vlm_agent.core.backends import create_backend  # noqa: E402
from vlm_agent.core.backends.florence2 import Florence2Backend  # noqa: E402
from vlm_agent.core.errors import InputError  # noqa: E402
from vlm_agent.core.perception.grounding import Grounder  # noqa: E402

pytestmark = pytest.mark.slow  # builds and runs a tiny Florence-2 model


@pytest.fixture(scope="module")
def florence(tmp_path_factory):
    return Florence2Backend(str(build_tiny_florence2(tmp_path_factory.mktemp("florence2_tiny"))), max_new_tokens=8)


def test_detection_answer_becomes_objects_with_3d(florence, tabletop):
    frame, truth = tabletop[2], tabletop[3]
    red = Grounder(create_backend("rgbd_geometry")).ground(frame, "pick up the red cube").target.obj
    x0, y0, x1, y1 = red.bbox_xyxy
    bins = [int(v) for v in (x0 / 640 * 1000, y0 / 480 * 1000, x1 / 640 * 1000, y1 / 480 * 1000)]
    answer = "</s><s>cube" + "".join(f"<loc_{b}>" for b in bins) + "</s>"  # the documented <OD> answer format
    objects = florence.objects_from(florence.parse(answer, "<OD>", frame), frame)
    assert len(objects) == 1 and objects[0].label == "cube" and objects[0].color == "red"
    assert np.allclose(objects[0].bbox_xyxy, red.bbox_xyxy, atol=2)
    assert np.linalg.norm(objects[0].center_base[:2] - truth["red_cube"].position[:2]) < 0.03


def test_generation_runs_once_per_frame_and_describes(florence, tabletop):
    grounder = Grounder(florence)
    before = florence.generations
    for text in ("pick up the red cube", "point at the ball", "push the ball"):
        assert grounder.ground(tabletop[2], text).status in ("ok", "not_found", "ambiguous")
    assert florence.generations == before + 3  # <OD> once for the frame, grounding once per new phrase set
    described = grounder.ground(tabletop[2], "describe the scene")
    assert described.status == "ok" and isinstance(described.answer, str)


def _located(label, box, width=640, height=480):
    """`label<loc_x0><loc_y0><loc_x1><loc_y1>`: Florence-2's documented box tokens (1000 bins per axis)."""
    bins = (box[0] / width, box[1] / height, box[2] / width, box[3] / height)
    return label + "".join(f"<loc_{min(999, int(v * 1000))}>" for v in bins)


def _box_of(tabletop, name):
    scene, rendered = tabletop[0], tabletop[1]
    rows, cols = np.nonzero(rendered.segmentation == [o.name for o in scene.objects].index(name))
    return cols.min(), rows.min(), cols.max() + 1, rows.max() + 1


def test_phrase_grounding_finds_nouns_the_detector_has_no_category_for(florence, tabletop, monkeypatch):
    frame, truth = tabletop[2].__class__(tabletop[2].rgb, tabletop[2].depth_m, tabletop[2].intrinsics,
                                         tabletop[2].base_from_camera, key="phrase"), tabletop[3]
    red, blue = _box_of(tabletop, "red_cube"), _box_of(tabletop, "blue_cube")
    asked = []

    def generate(frame, task, text=""):
        asked.append((task, text))
        if task == "<OD>":
            return "</s><s>" + _located("cube", red) + _located("cube", blue) + "</s>"
        return "</s><s>" + _located("stapler", red) + "</s>"

    monkeypatch.setattr(florence, "generate", generate)
    grounder = Grounder(florence)
    result = grounder.ground(frame, "pick up the stapler")
    assert asked == [("<OD>", ""), ("<CAPTION_TO_PHRASE_GROUNDING>", "stapler.")]
    assert result.status == "ok" and result.target.obj.label == "stapler" and result.target.obj.color == "red"
    assert np.linalg.norm(result.target.obj.center_base[:2] - truth["red_cube"].position[:2]) < 0.03
    objects = florence.propose(frame)
    assert sorted(o.label for o in objects) == ["cube", "stapler"]  # the detector's box of it is merged away
    grounder.ground(frame, "push the stapler")
    assert len(asked) == 2  # same frame, same phrases: no generation at all


def test_phrase_grounding_answer_format_is_parsed_into_categories(florence, tabletop):
    from vlm_agent.core.language.command_parser import parse_command
    frame = tabletop[2]
    florence.prepare(parse_command("put the red cube left of the blue cube"))
    task = "<CAPTION_TO_PHRASE_GROUNDING>"
    answer = "</s><s>" + _located("red cube", _box_of(tabletop, "red_cube")) + "</s>"
    objects = florence.objects_from(florence.parse(answer, task, frame), frame)
    assert [(o.label, o.color) for o in objects] == [("cube", "red")]
    generated = florence.generate(frame, task, "red cube. blue cube.")  # the real model runs on this prompt
    assert isinstance(generated, str)


def test_missing_weights_say_how_to_get_them(tmp_path):
    with pytest.raises(InputError, match="Florence-2"):
        Florence2Backend(str(tmp_path))
