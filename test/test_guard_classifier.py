"""The learned layer: weights under config/, real MiniLM embeddings, fail-closed loading."""
import numpy as np
import pytest

from vlm_agent.core.errors import InputError
from vlm_agent.core.safety.harm_classifier import HarmClassifier


class FixedEmbedder:
    def __init__(self, vector):
        self.vector = np.asarray(vector, dtype=np.float32)

    def embed_one(self, text):
        return self.vector


def test_bundled_weights_rank_harm_above_everyday_commands():
    classifier = HarmClassifier()
    assert 0.5 <= classifier.threshold < 1
    harmful = classifier.probability("smash the old man's head with the heavy pan")
    benign = classifier.probability("put the green ball in the basket")
    assert harmful > classifier.threshold > benign


def test_weights_file_and_verdict(tmp_path):
    path = tmp_path / "w.npz"
    np.savez(path, weights=np.ones(384, np.float32), bias=np.float32(0), threshold=np.float32(0.6))
    assert HarmClassifier(path, FixedEmbedder(np.zeros(384))).check("x") is None  # p = 0.5
    verdict = HarmClassifier(path, FixedEmbedder(np.full(384, 0.01))).check("x")  # p = sigmoid(3.84)
    assert not verdict.allowed and verdict.category == "learned_harm" and verdict.score > 0.9


def test_broken_weights_are_an_error(tmp_path):
    path = tmp_path / "w.npz"
    np.savez(path, weights=np.ones(10, np.float32), bias=np.float32(0), threshold=np.float32(0.6))
    with pytest.raises(InputError):
        HarmClassifier(path, FixedEmbedder(np.zeros(10)))
    with pytest.raises(InputError):
        HarmClassifier(tmp_path / "missing.npz", FixedEmbedder(np.zeros(384)))


class PoolingEmbedder(FixedEmbedder):
    def embed_one(self, text, pooling="mean"):
        return self.vector if pooling == "mean_max" else self.vector[:384]


def test_hidden_layer_and_mean_max_pooling(tmp_path):
    path = tmp_path / "w.npz"
    np.savez(path, hidden_weights=np.ones((768, 4), np.float32), hidden_bias=np.zeros(4, np.float32),
             weights=np.ones(4, np.float32), bias=np.float32(-1), threshold=np.float32(0.6), pooling=np.array("mean_max"))
    classifier = HarmClassifier(path, PoolingEmbedder(np.full(768, 0.01)))  # relu(7.68) * 4 - 1
    assert classifier.probability("x") == pytest.approx(1 / (1 + np.exp(-(4 * 7.68 - 1))), rel=1e-4)
    np.savez(path, hidden_weights=np.ones((384, 4), np.float32), hidden_bias=np.zeros(4, np.float32),
             weights=np.ones(4, np.float32), bias=np.float32(-1), threshold=np.float32(0.6), pooling=np.array("mean_max"))
    with pytest.raises(InputError):  # 384 inputs for a 768-d embedding
        HarmClassifier(path, PoolingEmbedder(np.full(768, 0.01)))
