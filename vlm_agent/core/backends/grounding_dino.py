"""Grounding DINO (transformers weights from a local folder): open-vocabulary boxes for a prompt
of category names. Text and image are fused inside the model, so it runs once per frame for the
whole vocabulary and again only when the vocabulary changes (a command names a new noun, or
vocabulary_extra adds words)."""
from __future__ import annotations

from .checkpoints import require_checkpoint, load_pretrained
from ..language.command_parser import ParsedCommand
from ..perception.frame import RGBDFrame
from ..perception.objects import SceneObject
from ..language.vocabulary import CATEGORY_SYNONYMS
from .base import GroundingBackend, command_phrases, object_from_box
from .frame_cache import FrameCache

HOW_TO_GET = ("put a Grounding DINO checkpoint there, e.g. `huggingface-cli download IDEA-Research/grounding-dino-tiny "
              "--local-dir DIR` where a network exists")


class GroundingDinoBackend(GroundingBackend):
    name = "grounding_dino"

    def __init__(self, model_path: str, box_threshold: float = 0.25, text_threshold: float = 0.2,
                 device: str = "cpu"):
        model_path = require_checkpoint(model_path, "Grounding DINO", HOW_TO_GET)
        import torch
        from transformers import AutoModelForZeroShotObjectDetection, AutoProcessor
        self._torch = torch
        self.processor = AutoProcessor.from_pretrained(model_path, local_files_only=True)
        self.model = load_pretrained(AutoModelForZeroShotObjectDetection, model_path, device)
        self.device, self.box_threshold, self.text_threshold = device, box_threshold, text_threshold
        self.vocabulary = list(CATEGORY_SYNONYMS)
        self.model_passes = 0
        self._cache: FrameCache[list[SceneObject]] = FrameCache()

    def set_object_words(self, words: tuple[str, ...]) -> None:
        self.vocabulary = [*CATEGORY_SYNONYMS, *words]

    def prepare(self, parsed: ParsedCommand) -> None:
        for phrase in command_phrases(parsed):
            if phrase.category in self.vocabulary:
                continue
            name = phrase.category or " ".join(phrase.unknown_words) or phrase.noun
            if name and name not in self.vocabulary:
                self.vocabulary.append(name)

    def propose(self, frame: RGBDFrame) -> list[SceneObject]:
        return self._cache.get(frame.key, lambda: self._detect(frame), extra=tuple(self.vocabulary))

    def _detect(self, frame: RGBDFrame) -> list[SceneObject]:
        from PIL import Image
        prompt = " . ".join(self.vocabulary) + " ."
        inputs = self.processor(images=Image.fromarray(frame.rgb), text=prompt, return_tensors="pt").to(self.device)
        with self._torch.inference_mode():
            outputs = self.model(**inputs)
        self.model_passes += 1
        detections = self.processor.post_process_grounded_object_detection(
            outputs, inputs["input_ids"], threshold=self.box_threshold, text_threshold=self.text_threshold,
            target_sizes=[frame.rgb.shape[:2]])[0]
        labels = detections.get("text_labels", detections.get("labels"))
        made = (object_from_box(frame, f"dino_{i}", box, label, score) for i, (box, score, label) in
                enumerate(zip(detections["boxes"].tolist(), detections["scores"].tolist(), labels)))
        return [obj for obj in made if obj is not None]
