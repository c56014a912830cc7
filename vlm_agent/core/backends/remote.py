"""A vision-language model behind an OpenAI-compatible chat API (vLLM, Ollama, llama.cpp server,
cloud): the frame goes up as a PNG data URI, answers come back as chat completions (JSON under a
schema where one is asked for). Timeouts, retries with backoff, every failure raised as InputError.
"""
from __future__ import annotations

import base64
import json
import time
import urllib.error
import urllib.request

import cv2
import numpy as np

from ..errors import InputError
from .chat_vlm import ChatVLMBackend


class OpenAICompatibleClient:
    def __init__(self, base_url: str, model: str, api_key: str = "", timeout_s: float = 10.0, retries: int = 2):
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.model, self.api_key, self.timeout_s, self.retries = model, api_key, timeout_s, retries

    def box_space(self, width: int, height: int) -> tuple[int, int]:
        return width, height  # the prompt names the frame's own size; the server's resizing is its own affair

    def chat(self, prompt: str, rgb: np.ndarray | None = None, schema: dict | None = None) -> str:
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
            return str(reply["choices"][0]["message"]["content"])
        except (KeyError, IndexError, TypeError) as exc:
            raise InputError(f"the VLM server's reply is not a chat completion: {exc!r}") from exc

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


class RemoteVLMBackend(ChatVLMBackend):
    name = "remote"

    def __init__(self, base_url: str, model: str, api_key: str = "", timeout_s: float = 10.0, retries: int = 2,
                 **prompts: str):
        super().__init__(OpenAICompatibleClient(base_url, model, api_key, timeout_s, retries), **prompts)
