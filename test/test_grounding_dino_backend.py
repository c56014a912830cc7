"""Grounding DINO backend on a tiny randomly initialised checkpoint built from the real
transformers classes (no real weights are reachable here: this proves loading, the vocabulary
cache and the shared result shape, not accuracy)."""
import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("PIL")
from tiny_models import build_tiny_grounding_dino  # noqa: E402

from vlm_agent.core.backends.grounding_dino import GroundingDinoBackend  # noqa: E402
from vlm_agent.core.errors import InputError  # noqa: E402
from vlm_agent.core.language.extra_vocabulary import extra_vocabulary  # noqa: E402
from vlm_agent.core.perception.grounding import Grounder  # noqa: E402
from vlm_agent.core.perception.report import result_dict  # noqa: E402


@pytest.fixture(scope="module")
def dino(tmp_path_factory):
    return build_tiny_grounding_dino(tmp_path_factory.mktemp("grounding_dino_tiny"))


def test_runs_once_per_frame_and_vocabulary(dino, tabletop):
    backend = GroundingDinoBackend(str(dino), box_threshold=0.0, text_threshold=0.0)
    grounder = Grounder(backend)
    frame = tabletop[2]
    for text in ("pick up the red cube", "point at the ball", "pick up the red cube"):
        result = result_dict(grounder.ground(frame, text))
        assert result["status"] in ("ok", "not_found", "ambiguous")
    assert backend.model_passes == 1
    grounder.ground(frame, "pick up the teddy bear")  # a new noun grows the vocabulary: one more pass
    assert backend.model_passes == 2 and "teddy bear" in backend.vocabulary
    objects = backend.propose(frame)
    assert objects and all(0 <= o.bbox_xyxy[0] <= o.bbox_xyxy[2] <= 640 for o in objects)
    with_depth = [o for o in objects if o.center_base is not None]
    assert all(np.all(np.isfinite(o.center_base)) for o in with_depth)


def test_words_added_at_run_time_join_the_prompt_and_the_next_frame_pass(dino, tabletop):
    backend = GroundingDinoBackend(str(dino), box_threshold=0.0, text_threshold=0.0)
    grounder = Grounder(backend)
    grounder.ground(tabletop[2], "pick up the red cube")
    grounder.set_vocabulary(extra_vocabulary(["stapler", "thermos=can"]))
    assert backend.vocabulary[-1] == "stapler"  # a synonym is looked for as the category it names
    grounder.ground(tabletop[2], "pick up the stapler")
    grounder.ground(tabletop[2], "pick up the red cube")
    assert backend.model_passes == 2

def test_missing_weights_say_how_to_get_them(tmp_path):
    with pytest.raises(InputError, match="grounding-dino"):
        GroundingDinoBackend(str(tmp_path))
