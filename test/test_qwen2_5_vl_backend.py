"""Qwen2.5-VL backend on a tiny randomly initialised checkpoint built from the real transformers
classes: loading, prompting, generation, boxes scaled from Qwen's resized image back to the frame."""
import json

import numpy as np
import pytest
from conftest import position_error

pytest.importorskip("torch")
pytest.importorskip("PIL")
from tiny_models import build_tiny_qwen2_5_vl  # noqa: E402

from vlm_agent.core.backends import create_backend  # noqa: E402
from vlm_agent.core.errors import InputError  # noqa: E402
from vlm_agent.core.perception.grounding import Grounder  # noqa: E402


@pytest.fixture(scope="module")
def qwen(tmp_path_factory):
    folder = build_tiny_qwen2_5_vl(tmp_path_factory.mktemp("qwen2_5_vl_tiny"))
    return create_backend("qwen2_5_vl", model_path=str(folder), max_new_tokens=6)


def test_generation_runs_on_the_frame_through_the_chatml_prompt(qwen, tabletop):
    before = qwen.model.generations
    text = qwen.model.chat("What colour is the cube?", tabletop[2].rgb)
    assert isinstance(text, str) and qwen.model.generations == before + 1
    width, height = qwen.model.box_space(640, 480)
    assert width % 28 == 0 and height % 28 == 0 and width * height <= 112 * 112


def test_random_weights_give_no_json_and_that_is_an_error_not_an_action(qwen, tabletop):
    with pytest.raises(InputError, match="JSON"):
        qwen.propose(tabletop[2].__class__(tabletop[2].rgb, tabletop[2].depth_m, tabletop[2].intrinsics,
                                           tabletop[2].base_from_camera, key="fresh"))


@pytest.mark.parametrize("answer_format", ["asked", "qwen_native"])
def test_boxes_in_qwen_pixels_scale_back_to_the_frame(qwen, tabletop, monkeypatch, answer_format):
    scene, rendered, frame, truth = tabletop
    width, height = qwen.model.box_space(640, 480)
    rows, cols = np.nonzero(rendered.segmentation == [o.name for o in scene.objects].index("yellow_ball"))
    box = [cols.min() * width / 640, rows.min() * height / 480, cols.max() * width / 640, rows.max() * height / 480]
    prompts = []

    def answer(prompt, rgb, schema=None):
        prompts.append(prompt)
        if answer_format == "qwen_native":  # the grounding format Qwen2.5-VL was trained on
            return "```json\n" + json.dumps([{"bbox_2d": [round(v) for v in box], "label": "ball"}]) + "\n```"
        return json.dumps({"objects": [{"label": "ball", "color": "yellow", "box": box}]})

    monkeypatch.setattr(qwen.model, "chat", answer)
    frame = frame.__class__(frame.rgb, frame.depth_m, frame.intrinsics, frame.base_from_camera, key=answer_format)
    result = Grounder(qwen).ground(frame, "pick up the yellow ball")
    assert result.status == "ok" and position_error(result.target, truth["yellow_ball"]) < 0.03
    assert f"{width}x{height} image" in prompts[0]


def test_missing_weights_say_how_to_get_them(tmp_path):
    with pytest.raises(InputError, match="Qwen2.5-VL.*huggingface-cli download"):
        create_backend("qwen2_5_vl", model_path=str(tmp_path))
