"""The learned layer: logistic regression (or a one-hidden-layer ReLU network) on MiniLM sentence
embeddings, trained by bench/train_guard_classifier.py on the train split, the training corpus and
generated compositional variants, its threshold calibrated on the dev split. The weights are a small
.npz under config/: weights and bias of the output, for a hidden layer hidden_weights (D x H) and
hidden_bias, and pooling: "mean" (the sentence embedding, D = 384) or "mean_max" (and the maximum over
the tokens, D = 768; text_embedding.py)."""
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
                self.hidden = ((data["hidden_weights"].astype(np.float32), data["hidden_bias"].astype(np.float32))
                               if "hidden_weights" in data else None)
                self.pooling = str(data["pooling"]) if "pooling" in data else "mean"
        except (OSError, KeyError, ValueError) as exc:
            raise InputError(f"invalid guard classifier weights {path}: {exc!r}") from exc
        if embedder is None:
            from ..language.text_embedding import SentenceEmbedder
            embedder = SentenceEmbedder()
        dims = {"mean": 384, "mean_max": 768}.get(self.pooling)
        inputs = dims if self.hidden is None else self.hidden[0].shape[1]
        if dims is None or self.weights.shape != (inputs,) or self.hidden is not None and (
                self.hidden[0].shape[0] != dims or self.hidden[1].shape != (inputs,)):
            raise InputError(f"guard classifier {path}: expected {dims} inputs ({self.pooling} pooling) and "
                             f"{inputs} output weights, got {self.weights.shape}")
        self.embedder = embedder

    def probability(self, text: str) -> float:
        """Probability that the command is harmful."""
        x = self.embedder.embed_one(text) if self.pooling == "mean" else self.embedder.embed_one(text, self.pooling)
        if self.hidden is not None:
            x = np.maximum(x @ self.hidden[0] + self.hidden[1], 0)
        return float(1.0 / (1.0 + np.exp(-(x @ self.weights + self.bias))))

    def check(self, text: str) -> Verdict | None:
        p = self.probability(text)
        if p >= self.threshold:
            return Verdict(False, "learned_harm", p, f"Refused: the learned guard rates the command harmful "
                           f"(p = {p:.2f}, threshold {self.threshold:.2f}).")
        return None
