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
from .prompts import VLM_ANSWER_PROMPT, VLM_DESCRIBE_PROMPT, VLM_OBJECTS_PROMPT

OBJECTS_SCHEMA = {
    "type": "object",
    "properties": {"objects": {"type": "array", "items": {
        "type": "object",
        "properties": {"label": {"type": "string"}, "color": {"type": "string"},
                       "box": {"type": "array", "items": {"type": "number"}, "minItems": 4, "maxItems": 4}},
        "required": ["label", "box"]}}},
    "required": ["objects"],
}


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
    """Objects (label, colour, box) from the model once per frame and prompt; phrases scored by the
    shared attribute matcher, so relations and ordinals work as with every backend."""

    def __init__(self, model: ChatModel, objects_prompt: str = VLM_OBJECTS_PROMPT,
                 describe_prompt: str = VLM_DESCRIBE_PROMPT, answer_prompt: str = VLM_ANSWER_PROMPT):
        self.model = model
        self.set_prompts(objects_prompt, describe_prompt, answer_prompt)
        self.object_words: tuple[str, ...] = ()
        self._objects: FrameCache[list[SceneObject]] = FrameCache()

    def set_prompts(self, objects_prompt: str, describe_prompt: str, answer_prompt: str) -> None:
        self.objects_prompt, self.describe_prompt, self.answer_prompt = objects_prompt, describe_prompt, answer_prompt

    def set_object_words(self, words: tuple[str, ...]) -> None:
        self.object_words = words

    def propose(self, frame: RGBDFrame) -> list[SceneObject]:
        height, width = frame.rgb.shape[:2]
        space_w, space_h = self.model.box_space(width, height)
        prompt = self.objects_prompt.replace("{width}", str(space_w)).replace("{height}", str(space_h))
        if self.object_words:
            prompt += f" Use these labels where they fit: {', '.join(self.object_words)}."
        return self._objects.get(frame.key, lambda: self._ask_objects(frame, prompt, (space_w, space_h)),
                                 extra=prompt)

    def _ask_objects(self, frame: RGBDFrame, prompt: str, space: tuple[int, int]) -> list[SceneObject]:
        height, width = frame.rgb.shape[:2]
        space_w, space_h = space
        items = objects_from_answer(self.model.chat(prompt, frame.rgb, OBJECTS_SCHEMA))
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
        return _sentence(self.model.chat(self.describe_prompt, frame.rgb))

    def answer(self, frame: RGBDFrame, question: str) -> str | None:
        return _sentence(self.model.chat(self.answer_prompt.replace("{question}", question.strip()), frame.rgb))


def _sentence(text: str) -> str | None:
    return re.sub(r"\s+", " ", text).strip() or None
