"""Florence-2 (transformers weights from a local folder): a generative VLM used for object
detection (`<OD>`), phrase grounding and scene description, through its task prompts."""
from __future__ import annotations

import numpy as np

from ..attributes import color_name
from ..checkpoints import load_pretrained, require_checkpoint
from ..frame import RGBDFrame
from ..objects import SceneObject
from ..vocabulary import CATEGORY_OF
from .base import GroundingBackend, box_center_3d

HOW_TO_GET = ("put a Florence-2 checkpoint there, e.g. `huggingface-cli download florence-community/Florence-2-base "
              "--local-dir DIR` where a network exists")


class Florence2Backend(GroundingBackend):
    name = "florence2"

    def __init__(self, model_path: str, device: str = "cpu", max_new_tokens: int = 256):
        require_checkpoint(model_path, "Florence-2", HOW_TO_GET)
        import torch
        from transformers import AutoModelForImageTextToText, AutoProcessor
        self._torch = torch
        self.processor = AutoProcessor.from_pretrained(model_path, local_files_only=True)
        self.model = load_pretrained(AutoModelForImageTextToText, model_path, device)
        self.device, self.max_new_tokens = device, max_new_tokens
        self.generations = 0
        self._frame_key, self._objects = None, []

    def generate(self, frame: RGBDFrame, task: str, text: str = "") -> str:
        from PIL import Image
        inputs = self.processor(text=task + text, images=Image.fromarray(frame.rgb), return_tensors="pt")
        with self._torch.inference_mode():
            output = self.model.generate(**inputs.to(self.device), max_new_tokens=self.max_new_tokens,
                                         do_sample=False, num_beams=1)
        self.generations += 1
        return self.processor.batch_decode(output, skip_special_tokens=False)[0]

    def parse(self, generated: str, task: str, frame: RGBDFrame):
        height, width = frame.rgb.shape[:2]
        return self.processor.post_process_generation(generated, task=task, image_size=(width, height))[task]

    def objects_from(self, detections: dict, frame: RGBDFrame) -> list[SceneObject]:
        height, width = frame.rgb.shape[:2]
        objects = []
        for index, (box, label) in enumerate(zip(detections.get("bboxes", []), detections.get("labels", []))):
            x0, y0, x1, y1 = (float(np.clip(v, 0, limit)) for v, limit in zip(box, (width, height, width, height)))
            if x1 - x0 < 1 or y1 - y0 < 1:
                continue
            pixels = frame.rgb[int(y0):int(y1), int(x0):int(x1)].reshape(-1, 3)
            color, shade = color_name(pixels[::max(1, len(pixels) // 4096)])
            center = box_center_3d(frame, (x0, y0, x1, y1))
            name = str(label).strip().lower()
            objects.append(SceneObject(
                id=f"florence_{index}", label=CATEGORY_OF.get(name, name), bbox_xyxy=(x0, y0, x1, y1), color=color,
                shade=shade, center_camera=center,
                center_base=None if center is None or frame.base_from_camera is None else frame.to_base(center)[0]))
        return objects

    def propose(self, frame: RGBDFrame) -> list[SceneObject]:
        if frame.key is None or frame.key != self._frame_key:
            self._objects = self.objects_from(self.parse(self.generate(frame, "<OD>"), "<OD>", frame), frame)
            self._frame_key = frame.key
        return self._objects

    def describe(self, frame: RGBDFrame) -> str | None:
        task = "<MORE_DETAILED_CAPTION>"
        return str(self.parse(self.generate(frame, task), task, frame)).strip() or None
