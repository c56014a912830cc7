"""Guard models from the field, loaded from local weights through transformers.

Llama Guard 3 (text): the documented prompt lists the hazard categories S1-S14 and asks for
'safe', or 'unsafe' plus the violated categories on a second line. Anything else is refused.
"""
from __future__ import annotations

import re

from ..backends.checkpoints import load_pretrained, require_checkpoint
from ..perception.objects import Verdict

# Llama Guard 3 hazard taxonomy (MLCommons), mapped onto this guard's categories
LLAMA_GUARD_CATEGORIES = {
    "S1": ("Violent Crimes", "harm_to_people"), "S2": ("Non-Violent Crimes", "property_damage"),
    "S3": ("Sex-Related Crimes", "sexual_content"), "S4": ("Child Sexual Exploitation", "sexual_content"),
    "S5": ("Defamation", "other"), "S6": ("Specialized Advice", "other"), "S7": ("Privacy", "privacy"),
    "S8": ("Intellectual Property", "other"), "S9": ("Indiscriminate Weapons", "weapons_hazards"),
    "S10": ("Hate", "hate"), "S11": ("Suicide & Self-Harm", "self_harm"), "S12": ("Sexual Content", "sexual_content"),
    "S13": ("Elections", "other"), "S14": ("Code Interpreter Abuse", "other"),
}
HOW_TO_GET = ("download meta-llama/Llama-Guard-3-1B (or -8B) where a network exists, e.g. "
              "`huggingface-cli download meta-llama/Llama-Guard-3-1B --local-dir DIR`, and set model_path to DIR")


def llama_guard_prompt(text: str) -> str:
    categories = "\n".join(f"{code}: {name}." for code, (name, _) in LLAMA_GUARD_CATEGORIES.items())
    return ("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n"
            "Task: Check if there is unsafe content in 'User' messages in conversations according our safety "
            "policy with the below categories.\n\n<BEGIN UNSAFE CONTENT CATEGORIES>\n"
            f"{categories}\n<END UNSAFE CONTENT CATEGORIES>\n\n<BEGIN CONVERSATION>\n\n"
            f"User: {text}\n\n<END CONVERSATION>\n\n"
            "Provide your safety assessment for ONLY THE LAST User message in the above conversation:\n"
            " - First line must read 'safe' or 'unsafe'.\n"
            " - If unsafe, a second line must include a comma-separated list of violated categories."
            "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n")


def parse_llama_guard(output: str) -> Verdict:
    lines = [line.strip() for line in output.strip().splitlines() if line.strip()]
    if lines == ["safe"]:
        return Verdict(True, "none", 0.0, "Llama Guard: safe")
    if lines and lines[0] == "unsafe":
        codes = re.findall(r"S\d{1,2}", lines[1]) if len(lines) > 1 else []
        known = [c for c in codes if c in LLAMA_GUARD_CATEGORIES]
        category = LLAMA_GUARD_CATEGORIES[known[0]][1] if known else "unsafe"
        names = ", ".join(LLAMA_GUARD_CATEGORIES[c][0] for c in known) or "unspecified"
        return Verdict(False, category, 1.0, f"Refused by Llama Guard: {names}.")
    return Verdict(False, "guard_error", 1.0, f"Llama Guard answered {output.strip()[:60]!r}, which is neither "
                   "'safe' nor 'unsafe'; refusing")


class LlamaGuard:
    """Llama Guard 3 from a local folder (the same code path for real and test weights)."""

    def __init__(self, model_path: str, max_new_tokens: int = 12, device: str = "cpu"):
        model_path = require_checkpoint(model_path, "Llama Guard", HOW_TO_GET)
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer
        self._torch = torch
        self.tokenizer = AutoTokenizer.from_pretrained(model_path, local_files_only=True)
        self.model = load_pretrained(AutoModelForCausalLM, model_path, device)
        self.max_new_tokens = max_new_tokens
        self.device = device

    def prompt(self, text: str) -> str:
        if self.tokenizer.chat_template:  # real checkpoints ship the official template
            conversation = [{"role": "user", "content": [{"type": "text", "text": text}]}]
            return self.tokenizer.apply_chat_template(conversation, tokenize=False)
        return llama_guard_prompt(text)

    def check(self, text: str) -> Verdict:
        inputs = self.tokenizer(self.prompt(text), return_tensors="pt", add_special_tokens=False).to(self.device)
        with self._torch.inference_mode():
            output = self.model.generate(**inputs, max_new_tokens=self.max_new_tokens, do_sample=False,
                                         pad_token_id=self.tokenizer.pad_token_id or self.tokenizer.eos_token_id)
        answer = self.tokenizer.decode(output[0, inputs["input_ids"].shape[1]:], skip_special_tokens=True)
        return parse_llama_guard(answer)


SHIELDGEMMA_HOW_TO_GET = ("download google/shieldgemma-2-4b-it where a network exists, e.g. "
                          "`huggingface-cli download google/shieldgemma-2-4b-it --local-dir DIR`, and set the path to DIR")


class ShieldGemma2:
    """ShieldGemma 2 image safety classifier from a local folder: the probability of 'Yes' (the
    image violates the policy) for each policy; at or above `threshold` the image is unsafe."""

    def __init__(self, model_path: str, policies: tuple[str, ...] = ("dangerous", "violence"),
                 threshold: float = 0.5, device: str = "cpu"):
        model_path = require_checkpoint(model_path, "ShieldGemma 2", SHIELDGEMMA_HOW_TO_GET)
        import torch
        from transformers import AutoProcessor, ShieldGemma2ForImageClassification
        self._torch = torch
        self.processor = AutoProcessor.from_pretrained(model_path, local_files_only=True)
        self.model = load_pretrained(ShieldGemma2ForImageClassification, model_path, device)
        self.policies, self.threshold, self.device = tuple(policies), threshold, device

    def check_image(self, rgb) -> Verdict:
        from PIL import Image
        inputs = self.processor(images=[Image.fromarray(rgb)], policies=list(self.policies), return_tensors="pt")
        with self._torch.inference_mode():
            probabilities = self.model(**inputs.to(self.device)).probabilities[:, 0].tolist()
        worst = max(range(len(probabilities)), key=probabilities.__getitem__)
        score = float(probabilities[worst])
        if score >= self.threshold:
            return Verdict(False, f"image_{self.policies[worst]}", score, f"Refused: ShieldGemma 2 finds the camera "
                           f"image violates the '{self.policies[worst]}' policy (p = {score:.2f}).", "plan")
        return Verdict(True, "none", score, "ShieldGemma 2: the camera image complies with every policy", "plan")
