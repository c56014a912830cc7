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
from vlm_agent.core.grounding import Grounder  # noqa: E402


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
    for text in ("pick up the red cube", "point at the ball"):
        assert grounder.ground(tabletop[2], text).status in ("ok", "not_found", "ambiguous")
    assert florence.generations == before + 1
    described = grounder.ground(tabletop[2], "describe the scene")
    assert described.status == "ok" and isinstance(described.answer, str)


def test_missing_weights_say_how_to_get_them(tmp_path):
    with pytest.raises(InputError, match="Florence-2"):
        Florence2Backend(str(tmp_path))
