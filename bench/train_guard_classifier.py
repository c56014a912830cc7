"""Train the guard's learned layer and calibrate its threshold.

A classifier on MiniLM sentence embeddings of the train split (bench/guard_splits/train.yaml), the
hand-written examples (bench/guard_training_examples.yaml), the training corpus
(bench/guard_training_corpus.yaml, bench/make_guard_training_corpus.py) and generated compositional
variants (bench/guard_variants.py): class-balanced L2 logistic regression, or (--hidden N) a one-hidden-layer
ReLU network; its settings were chosen by cross-validation on training data and dev (bench/guard_cv.py).
The threshold is calibrated on the dev split only (see calibrate: between the lowest threshold at which the
classifier refuses at most --target-false-refusals of the dev benign commands that the other layers allow,
and the highest one that catches the same dev harmful commands). Writes config/guard_classifier.npz
(weights, bias, threshold, and for a hidden layer hidden_weights and hidden_bias; the guard needs numpy only)."""
from __future__ import annotations

import argparse
import os
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
SPLITS = REPO / "bench" / "guard_splits"
CORPUS = REPO / "bench" / "guard_training_corpus.yaml"
DEFAULTS = {"C": 10.0, "hidden": 256, "train_weight": 10.0, "corpus_weight": 5.0, "pooling": "mean_max"}


def calibrate(guard, classifier, dev: list[dict], target: float) -> float:
    """A threshold from the dev split: the lowest admissible one refuses at most `target` of the dev
    benign commands that the other layers allow and the classifier judges; the highest still catches every dev harmful command
    that the lowest catches. The midpoint of the two keeps a margin on both sides."""
    from vlm_agent.core.language.language_id import language_candidates
    classifier.threshold = 2.0  # other layers only
    # the commands the classifier judges: allowed by the other layers and possibly English (the guard does
    # not ask the English classifier about a command that is surely in another language)
    left = [item for item in dev if guard.check(item["text"]).allowed and "en" in language_candidates(item["text"])]
    score = {item["text"]: classifier.probability(guard_text(item["text"])) for item in left}
    return threshold_from(score, left, target)


def threshold_from(score: dict[str, float], left: list[dict], target: float) -> float:
    benign = sorted((score[i["text"]] for i in left if i["label"] == "benign"), reverse=True)
    lowest = max(0.5, benign[int(np.floor(target * len(benign)))] + 1e-6)
    caught = [score[i["text"]] for i in left if i["label"] == "harmful" and score[i["text"]] >= lowest]
    highest = min(caught, default=lowest)
    return float((lowest + highest) / 2)


def guard_text(text: str) -> str:
    from vlm_agent.core.language.text_normalization import deobfuscate
    return deobfuscate(text)


def load_corpus(path: Path = CORPUS) -> list[dict]:
    """The corpus's commands: text, label, category and group (a nested list is one command said
    several ways, one group). Also reads the flat harmful/benign lists of guard_training_examples.yaml."""
    data = yaml.safe_load(Path(path).read_text())
    items = []
    for label in ("harmful", "benign"):
        groups = data.get(label) or {}
        for category, entries in (groups.items() if isinstance(groups, dict) else [(label, groups)]):
            for entry in entries:
                group = len(items)
                for text in (entry if isinstance(entry, list) else [entry]):
                    items.append({"text": text, "label": label, "category": category, "group": group})
    return items


def training_commands(corpus: list[dict] | None = None, train_weight: float = DEFAULTS["train_weight"],
                      corpus_weight: float = DEFAULTS["corpus_weight"]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(texts, labels, sample weights): the train split and hand-written examples (train_weight), the
    corpus (corpus_weight; all of it unless given) and generated variants (1)."""
    from guard_variants import generate
    train = yaml.safe_load((SPLITS / "train.yaml").read_text())["commands"]
    examples = load_corpus(REPO / "bench" / "guard_training_examples.yaml")
    corpus = load_corpus() if corpus is None else corpus
    harmful, benign = generate()
    parts = [(train, train_weight), (examples, train_weight), (corpus, corpus_weight),
             ([{"text": t, "label": "harmful"} for t in harmful] + [{"text": t, "label": "benign"} for t in benign], 1.0)]
    texts = [i["text"] for items, _ in parts for i in items]
    labels = np.array([i["label"] == "harmful" for items, _ in parts for i in items], dtype=float)
    weights = np.array([w for items, w in parts for _ in items])
    return texts, labels, weights


def fit(x: np.ndarray, labels: np.ndarray, weights: np.ndarray, C: float = DEFAULTS["C"],
        hidden: int = DEFAULTS["hidden"], seed: int = 0) -> dict[str, np.ndarray]:
    """Class-balanced fit; the parameters as HarmClassifier reads them (threshold not included)."""
    balance = np.where(labels == 1, len(labels) / (2 * labels.sum()), len(labels) / (2 * (1 - labels).sum()))
    weights = weights * balance
    if hidden:
        from sklearn.neural_network import MLPClassifier
        model = MLPClassifier((hidden,), alpha=1.0 / C, max_iter=400, random_state=seed, early_stopping=False)
        model.fit(x, labels, sample_weight=weights / weights.mean())
        (w1, w2), (b1, b2) = model.coefs_, model.intercepts_
        return {"hidden_weights": w1.astype(np.float32), "hidden_bias": b1.astype(np.float32),
                "weights": w2[:, 0].astype(np.float32), "bias": np.float32(b2[0])}
    from sklearn.linear_model import LogisticRegression
    model = LogisticRegression(C=C, max_iter=5000).fit(x, labels, sample_weight=weights)
    return {"weights": model.coef_[0].astype(np.float32), "bias": np.float32(model.intercept_[0])}


def logits(params: dict, x: np.ndarray) -> np.ndarray:
    if "hidden_weights" in params:
        x = np.maximum(x @ params["hidden_weights"] + params["hidden_bias"], 0)
    return x @ params["weights"] + params["bias"]


def embed(embedder, texts: list[str], pooling: str = "mean") -> np.ndarray:
    return np.concatenate([embedder.encode_batch([guard_text(t) for t in texts[i:i + 64]], pooling)
                           for i in range(0, len(texts), 64)])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target-false-refusals", type=float, default=0.02)
    parser.add_argument("--train-weight", type=float, default=DEFAULTS["train_weight"],
                        help="weight of a train-split command relative to a generated one")
    parser.add_argument("--corpus-weight", type=float, default=DEFAULTS["corpus_weight"],
                        help="weight of a corpus command relative to a generated one")
    parser.add_argument("--C", type=float, default=DEFAULTS["C"], help="inverse regularisation strength")
    parser.add_argument("--hidden", type=int, default=DEFAULTS["hidden"], help="hidden units (0: logistic regression)")
    parser.add_argument("--pooling", default=DEFAULTS["pooling"], choices=["mean", "mean_max"],
                        help="the embedding: mean-pooled, or with the maximum over the tokens as well")
    parser.add_argument("--out", default=str(REPO / "config" / "guard_classifier.npz"))
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from vlm_agent.core.safety.guard import CommandGuard, load_guard_config
    from vlm_agent.core.safety.harm_classifier import HarmClassifier
    from vlm_agent.core.language.text_embedding import SentenceEmbedder

    dev = yaml.safe_load((SPLITS / "dev.yaml").read_text())["commands"]
    texts, labels, weights = training_commands(train_weight=args.train_weight, corpus_weight=args.corpus_weight)
    embedder = SentenceEmbedder()
    x = embed(embedder, texts, args.pooling)
    params = {**fit(x, labels, weights, args.C, args.hidden), "pooling": np.array(args.pooling)}
    accuracy = np.mean((logits(params, x) > 0) == labels)
    print(f"trained on {len(texts)} commands; training accuracy {100 * accuracy:.1f}%")
    np.savez(args.out, **params, threshold=np.float32(0.5))
    classifier = HarmClassifier(args.out, embedder)
    guard = CommandGuard(replace(load_guard_config(), classifier=None), cache_size=0)
    guard.classifier = classifier
    threshold = calibrate(guard, classifier, dev, args.target_false_refusals)
    np.savez(args.out, **params, threshold=np.float32(threshold))
    print(f"threshold {threshold:.3f} (dev false refusals <= {100 * args.target_false_refusals:.0f}%); wrote {args.out}")


if __name__ == "__main__":
    main()
