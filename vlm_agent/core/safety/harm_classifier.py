"""The learned layer: logistic regression on MiniLM sentence embeddings, trained by
bench/train_guard_classifier.py on the train split plus generated compositional variants, its
threshold calibrated on the dev split. The weights are a small .npz under config/."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import InputError
from ..perception.objects import Verdict
from ..resources import data_file

DEFAULT_WEIGHTS = "config/guard_classifier.npz"


class HarmClassifier:
    def __init__(self, weights: str | Path | None = None, embedder=None, threshold: float | None = None):
        path = Path(weights) if weights else data_file(DEFAULT_WEIGHTS)
        try:
            with np.load(path) as data:
                self.weights, self.bias = data["weights"].astype(np.float32), float(data["bias"])
                self.threshold = float(data["threshold"]) if threshold is None else threshold
        except (OSError, KeyError, ValueError) as exc:
            raise InputError(f"invalid guard classifier weights {path}: {exc!r}") from exc
        if embedder is None:
            from ..language.text_embedding import SentenceEmbedder
            embedder = SentenceEmbedder()
        if self.weights.shape != (384,):
            raise InputError(f"guard classifier {path}: expected 384 weights, got {self.weights.shape}")
        self.embedder = embedder

    def probability(self, text: str) -> float:
        """Probability that the command is harmful."""
        return float(1.0 / (1.0 + np.exp(-(self.embedder.embed_one(text) @ self.weights + self.bias))))

    def check(self, text: str) -> Verdict | None:
        p = self.probability(text)
        if p >= self.threshold:
            return Verdict(False, "learned_harm", p, f"Refused: the learned guard rates the command harmful "
                           f"(p = {p:.2f}, threshold {self.threshold:.2f}).")
        return None
