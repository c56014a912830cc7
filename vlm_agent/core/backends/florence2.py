"""Florence-2 (transformers weights from a local folder): a generative VLM used for object
detection (`<OD>`), phrase grounding and scene description, through its task prompts."""
from __future__ import annotations

from ..checkpoints import load_pretrained, require_checkpoint
from ..frame import RGBDFrame
from ..objects import SceneObject
from .base import GroundingBackend, object_from_box

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
        made = (object_from_box(frame, f"florence_{i}", box, label)
                for i, (box, label) in enumerate(zip(detections.get("bboxes", []), detections.get("labels", []))))
        return [obj for obj in made if obj is not None]

    def propose(self, frame: RGBDFrame) -> list[SceneObject]:
        if frame.key is None or frame.key != self._frame_key:
            self._objects = self.objects_from(self.parse(self.generate(frame, "<OD>"), "<OD>", frame), frame)
            self._frame_key = frame.key
        return self._objects

    def describe(self, frame: RGBDFrame) -> str | None:
        task = "<MORE_DETAILED_CAPTION>"
        return str(self.parse(self.generate(frame, task), task, frame)).strip() or None
