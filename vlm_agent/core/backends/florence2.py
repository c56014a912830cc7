"""Florence-2 (transformers weights from a local folder): a generative VLM used through its task
prompts for object detection (`<OD>`, once per frame), phrase grounding of the phrases a command
names (`<CAPTION_TO_PHRASE_GROUNDING>`, so nouns outside the detector's categories are found too)
and scene description. Florence-2 has no question-answering task: questions go to the core."""
from __future__ import annotations

from .checkpoints import load_pretrained, require_checkpoint
from ..language.command_parser import ParsedCommand
from ..perception.frame import RGBDFrame
from ..perception.objects import SceneObject
from .base import GroundingBackend, box_iou, command_phrases, object_from_box
from .frame_cache import FrameCache

HOW_TO_GET = ("put a Florence-2 checkpoint there, e.g. `huggingface-cli download florence-community/Florence-2-base "
              "--local-dir DIR` where a network exists")
SAME_OBJECT_IOU = 0.5


class Florence2Backend(GroundingBackend):
    name = "florence2"

    def __init__(self, model_path: str, device: str = "cpu", max_new_tokens: int = 256, phrase_grounding: bool = True):
        model_path = require_checkpoint(model_path, "Florence-2", HOW_TO_GET)
        import torch
        from transformers import AutoModelForImageTextToText, AutoProcessor
        self._torch = torch
        self.processor = AutoProcessor.from_pretrained(model_path, local_files_only=True)
        self.model = load_pretrained(AutoModelForImageTextToText, model_path, device)
        self.device, self.max_new_tokens, self.phrase_grounding = device, max_new_tokens, phrase_grounding
        self.generations = 0
        self._detected: FrameCache[list[SceneObject]] = FrameCache()
        self._phrases: dict[str, str] = {}  # phrase as grounded -> category it names
        self._grounded: FrameCache[list[SceneObject]] = FrameCache()

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

    def objects_from(self, detections: dict, frame: RGBDFrame, prefix: str = "florence") -> list[SceneObject]:
        labels = [self._phrases.get(label.strip().lower(), label) for label in detections.get("labels", [])]
        made = (object_from_box(frame, f"{prefix}_{i}", box, label)
                for i, (box, label) in enumerate(zip(detections.get("bboxes", []), labels)))
        return [obj for obj in made if obj is not None]

    def prepare(self, parsed: ParsedCommand) -> None:
        if self.phrase_grounding:
            self._phrases = {p.head: p.category or p.noun for p in command_phrases(parsed) if p.category or p.noun}

    def propose(self, frame: RGBDFrame) -> list[SceneObject]:
        detected = self._detected.get(frame.key, lambda: self.objects_from(
            self.parse(self.generate(frame, "<OD>"), "<OD>", frame), frame))
        if not self._phrases:
            return detected
        caption = ". ".join(self._phrases) + "."
        task = "<CAPTION_TO_PHRASE_GROUNDING>"
        grounded = self._grounded.get(frame.key, lambda: self.objects_from(
            self.parse(self.generate(frame, task, caption), task, frame), frame, "florence_phrase"), extra=caption)
        # a phrase's own box is more specific than the detector's box of the same thing
        kept = [d for d in detected if all(box_iou(d.bbox_xyxy, g.bbox_xyxy) < SAME_OBJECT_IOU for g in grounded)]
        return grounded + kept

    def describe(self, frame: RGBDFrame) -> str | None:
        task = "<MORE_DETAILED_CAPTION>"
        return str(self.parse(self.generate(frame, task), task, frame)).strip() or None
