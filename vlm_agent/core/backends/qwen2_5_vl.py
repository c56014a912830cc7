"""Qwen2.5-VL in transformers (weights from a local folder) as a chat VLM: objects with boxes,
scene description and answers to questions, through the shared chat-VLM backend.

Qwen resizes the image to multiples of 28 px within its pixel budget and gives boxes in pixels of
that resized image; `box_space` says which size that is, so boxes scale back to the frame.
"""
from __future__ import annotations

import numpy as np

from .checkpoints import load_pretrained, require_checkpoint
from .chat_vlm import ChatVLMBackend

HOW_TO_GET = ("put a Qwen2.5-VL checkpoint there, e.g. `huggingface-cli download Qwen/Qwen2.5-VL-3B-Instruct "
              "--local-dir DIR` where a network exists")
SYSTEM_PROMPT = "You are a robot's vision system. Be brief and exact."


class Qwen25VLModel:
    """The image processor, tokenizer and model, with the ChatML prompt built here: the transformers
    processor class also loads the video processor, which needs torchvision and is not used for stills."""

    def __init__(self, model_path: str, device: str = "cpu", max_new_tokens: int = 512):
        model_path = require_checkpoint(model_path, "Qwen2.5-VL", HOW_TO_GET)
        import torch
        from transformers import AutoTokenizer, Qwen2_5_VLForConditionalGeneration
        from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import Qwen2VLImageProcessorPil
        self._torch = torch
        self.tokenizer = AutoTokenizer.from_pretrained(model_path, local_files_only=True)
        self.image_processor = Qwen2VLImageProcessorPil.from_pretrained(model_path, local_files_only=True)
        self.model = load_pretrained(Qwen2_5_VLForConditionalGeneration, model_path, device)
        self.device, self.max_new_tokens = device, max_new_tokens
        self.generations = 0

    def box_space(self, width: int, height: int) -> tuple[int, int]:
        from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import smart_resize
        processor = self.image_processor
        resized_h, resized_w = smart_resize(height, width, factor=processor.patch_size * processor.merge_size,
                                            min_pixels=processor.size["shortest_edge"],
                                            max_pixels=processor.size["longest_edge"])
        return resized_w, resized_h

    def chat(self, prompt: str, rgb: np.ndarray, schema: dict | None = None) -> str:
        from PIL import Image
        image = self.image_processor(images=[Image.fromarray(rgb)], return_tensors="pt")
        image_tokens = int(image["image_grid_thw"][0].prod()) // self.image_processor.merge_size ** 2
        text = (f"<|im_start|>system\n{SYSTEM_PROMPT}<|im_end|>\n<|im_start|>user\n<|vision_start|>"
                f"{'<|image_pad|>' * image_tokens}<|vision_end|>{prompt}<|im_end|>\n<|im_start|>assistant\n")
        inputs = self.tokenizer([text], return_tensors="pt")
        with self._torch.inference_mode():
            output = self.model.generate(**inputs.to(self.device), **image.to(self.device),
                                         max_new_tokens=self.max_new_tokens, do_sample=False)
        self.generations += 1
        return self.tokenizer.decode(output[0, inputs["input_ids"].shape[1]:], skip_special_tokens=True)


class Qwen25VLBackend(ChatVLMBackend):
    name = "qwen2_5_vl"

    def __init__(self, model_path: str, device: str = "cpu", max_new_tokens: int = 512, **prompts: str):
        super().__init__(Qwen25VLModel(model_path, device, max_new_tokens), **prompts)
