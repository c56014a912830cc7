"""A vision-language model behind an OpenAI-compatible chat API (vLLM, Ollama, llama.cpp server,
cloud): the frame goes up as a PNG data URI, objects come back as JSON under a schema.

Timeouts, retries with backoff, and every failure raised as InputError: the grounding node
turns that into an `error` result, so a server problem never becomes a robot action.
"""
from __future__ import annotations

import base64
import json
import time
import urllib.error
import urllib.request
from dataclasses import replace

import cv2
import numpy as np

from ..errors import InputError
from ..frame import RGBDFrame
from ..objects import SceneObject
from .base import GroundingBackend, object_from_box

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


class OpenAICompatibleClient:
    def __init__(self, base_url: str, model: str, api_key: str = "", timeout_s: float = 10.0, retries: int = 2):
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.model, self.api_key, self.timeout_s, self.retries = model, api_key, timeout_s, retries

    def chat_json(self, prompt: str, rgb: np.ndarray | None = None, schema: dict | None = None) -> dict:
        content = [{"type": "text", "text": prompt}]
        if rgb is not None:
            ok, png = cv2.imencode(".png", rgb[:, :, ::-1])
            url = "data:image/png;base64," + base64.b64encode(png.tobytes()).decode()
            content.append({"type": "image_url", "image_url": {"url": url}})
        body = {"model": self.model, "temperature": 0, "messages": [{"role": "user", "content": content}]}
        if schema is not None:
            body["response_format"] = {"type": "json_schema",
                                       "json_schema": {"name": "answer", "schema": schema, "strict": True}}
        reply = self._post(body)
        try:
            return json.loads(reply["choices"][0]["message"]["content"])
        except (KeyError, IndexError, TypeError, json.JSONDecodeError) as exc:
            raise InputError(f"the VLM server's answer is not the JSON asked for: {exc!r}") from exc

    def _post(self, body: dict) -> dict:
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        request = urllib.request.Request(self.url, json.dumps(body).encode(), headers, method="POST")
        last = None
        for attempt in range(self.retries + 1):
            try:
                with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                    return json.loads(response.read())
            except urllib.error.HTTPError as exc:
                last = f"HTTP {exc.code}"
                if exc.code < 500 and exc.code != 429:
                    break  # the request itself is wrong: retrying will not help
            except (urllib.error.URLError, TimeoutError, OSError, json.JSONDecodeError) as exc:
                last = repr(exc)
            if attempt < self.retries:
                time.sleep(0.2 * 2 ** attempt)
        raise InputError(f"VLM server {self.url} failed after {self.retries + 1} attempt(s): {last}")


class RemoteVLMBackend(GroundingBackend):
    """Objects (label, colour, box) from the server once per frame; phrases scored by the shared
    attribute matcher, so relations and ordinals work as with every backend."""
    name = "remote"

    def __init__(self, base_url: str, model: str, api_key: str = "", timeout_s: float = 10.0, retries: int = 2):
        self.client = OpenAICompatibleClient(base_url, model, api_key, timeout_s, retries)
        self._frame_key, self._objects = None, []

    def propose(self, frame: RGBDFrame) -> list[SceneObject]:
        if frame.key is not None and frame.key == self._frame_key:
            return self._objects
        height, width = frame.rgb.shape[:2]
        answer = self.client.chat_json(OBJECTS_PROMPT % (width, height), frame.rgb, OBJECTS_SCHEMA)
        objects = []
        for index, item in enumerate(answer.get("objects", [])):
            try:
                x0, y0, x1, y1 = (float(v) for v in item["box"])
                label = str(item["label"])
            except (KeyError, TypeError, ValueError) as exc:
                raise InputError(f"the VLM server returned a malformed object: {item!r}") from exc
            obj = object_from_box(frame, f"vlm_{index}", (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)), label)
            if obj is not None:
                objects.append(replace(obj, color=str(item.get("color") or obj.color).lower()))
        self._frame_key, self._objects = frame.key, objects
        return objects
