"""Backends built on a chat VLM (an image and a prompt in, text out): objects as JSON boxes once per
frame, a scene description, and free-form answers to questions (VQA). The model is a server that
speaks the OpenAI chat API (`remote`) or Qwen2.5-VL in transformers (`qwen2_5_vl`).

Every malformed answer is raised as InputError: the grounding node turns that into an `error`
result, so a model's bad output never becomes a robot action.
"""
from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Protocol

import numpy as np

from ..errors import InputError
from ..perception.frame import RGBDFrame
from ..perception.objects import SceneObject
from .base import GroundingBackend, object_from_box
from .frame_cache import FrameCache

OBJECTS_SCHEMA = {
    "type": "object",
    "properties": {"objects": {"type": "array", "items": {
        "type": "object",
        "properties": {"label": {"type": "string"}, "color": {"type": "string"},
                       "box": {"type": "array", "items": {"type": "number"}, "minItems": 4, "maxItems": 4}},
        "required": ["label", "box"]}}},
    "required": ["objects"],
}
OBJECTS_PROMPT = ("List every object you can see. Answer with JSON only: {\"objects\": [{\"label\": short noun, "
                  "\"color\": main colour word, \"box\": [x_min, y_min, x_max, y_max] in pixels of this "
                  "%dx%d image}]}.")
DESCRIBE_PROMPT = "Describe the objects in this image and where they are, in one or two sentences."
ANSWER_PROMPT = "%s\nAnswer in one short sentence about what this image shows."


class ChatModel(Protocol):
    def chat(self, prompt: str, rgb: np.ndarray, schema: dict | None = None) -> str:
        """The model's text answer to the prompt about the image (JSON when a schema is given)."""

    def box_space(self, width: int, height: int) -> tuple[int, int]:
        """Size of the image in whose pixels the model gives boxes, for an input of width x height."""


def objects_from_answer(text: str) -> list:
    """The object list in a model's answer: {"objects": [...]} as asked, or the bare list of
    {"bbox_2d", "label"} items Qwen2.5-VL was trained to give; also inside a ```json fence or prose."""
    starts = [i for i in (text.find("{"), text.find("[")) if i >= 0]
    start = min(starts, default=0)
    end = max(text.rfind("}"), text.rfind("]")) + 1 or len(text)
    try:
        value = json.loads(text[start:end])
    except json.JSONDecodeError as exc:
        raise InputError(f"the VLM's answer is not the JSON asked for: {text[:200]!r}") from exc
    items = value.get("objects") if isinstance(value, dict) else value
    if not isinstance(items, list):
        raise InputError(f"the VLM's answer holds no object list: {text[:200]!r}")
    return items


class ChatVLMBackend(GroundingBackend):
    """Objects (label, colour, box) from the model once per frame; phrases scored by the shared
    attribute matcher, so relations and ordinals work as with every backend."""

    def __init__(self, model: ChatModel):
        self.model = model
        self._objects: FrameCache[list[SceneObject]] = FrameCache()

    def propose(self, frame: RGBDFrame) -> list[SceneObject]:
        return self._objects.get(frame.key, lambda: self._ask_objects(frame))

    def _ask_objects(self, frame: RGBDFrame) -> list[SceneObject]:
        height, width = frame.rgb.shape[:2]
        space_w, space_h = self.model.box_space(width, height)
        items = objects_from_answer(self.model.chat(OBJECTS_PROMPT % (space_w, space_h), frame.rgb, OBJECTS_SCHEMA))
        objects = []
        for index, item in enumerate(items):
            try:
                box = item["box"] if "box" in item else item["bbox_2d"]
                x0, y0, x1, y1 = (float(v) * scale for v, scale in
                                  zip(box, (width / space_w, height / space_h) * 2, strict=True))
                label = str(item["label"])
            except (KeyError, TypeError, ValueError) as exc:
                raise InputError(f"the VLM returned a malformed object: {item!r}"[:300]) from exc
            obj = object_from_box(frame, f"vlm_{index}", (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)), label)
            if obj is not None:
                objects.append(replace(obj, color=str(item.get("color") or obj.color).lower()))
        return objects

    def describe(self, frame: RGBDFrame) -> str | None:
        return _sentence(self.model.chat(DESCRIBE_PROMPT, frame.rgb))

    def answer(self, frame: RGBDFrame, question: str) -> str | None:
        return _sentence(self.model.chat(ANSWER_PROMPT % question.strip(), frame.rgb))


def _sentence(text: str) -> str | None:
    return re.sub(r"\s+", " ", text).strip() or None
