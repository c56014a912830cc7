"""Train the guard's learned layer and calibrate its threshold.

Logistic regression (scikit-learn, L2, balanced classes) on MiniLM sentence embeddings of the train split
(bench/guard_splits/train.yaml), the hand-written examples (bench/guard_training_examples.yaml)
and generated compositional variants (bench/guard_variants.py). The threshold is calibrated on the
dev split only (see calibrate: between the lowest threshold at which the classifier refuses at most
--target-false-refusals of the dev benign commands that the other layers allow, and the highest one
that catches the same dev harmful commands). Writes
config/guard_classifier.npz (384 weights, bias, threshold; the guard needs numpy only)."""
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


def calibrate(guard, classifier, dev: list[dict], target: float) -> float:
    """A threshold from the dev split: the lowest admissible one refuses at most `target` of the dev
    benign commands that the other layers allow; the highest still catches every dev harmful command
    that the lowest catches. The midpoint of the two keeps a margin on both sides."""
    classifier.threshold = 2.0  # other layers only
    left = [item for item in dev if guard.check(item["text"]).allowed]
    score = {item["text"]: classifier.probability(guard_text(item["text"])) for item in left}
    benign = sorted((score[i["text"]] for i in left if i["label"] == "benign"), reverse=True)
    lowest = max(0.5, benign[int(np.floor(target * len(benign)))] + 1e-6)
    caught = [score[i["text"]] for i in left if i["label"] == "harmful" and score[i["text"]] >= lowest]
    highest = min(caught, default=lowest)
    return float((lowest + highest) / 2)


def guard_text(text: str) -> str:
    from vlm_agent.core.language.text_normalization import deobfuscate
    return deobfuscate(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target-false-refusals", type=float, default=0.02)
    parser.add_argument("--train-weight", type=float, default=10.0, help="weight of a train-split command "
                        "relative to a generated one")
    parser.add_argument("--out", default=str(REPO / "config" / "guard_classifier.npz"))
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from guard_variants import generate
    from sklearn.linear_model import LogisticRegression
    from vlm_agent.core.safety.guard import CommandGuard, load_guard_config
    from vlm_agent.core.safety.harm_classifier import HarmClassifier
    from vlm_agent.core.language.text_embedding import SentenceEmbedder

    splits = REPO / "bench" / "guard_splits"
    train = yaml.safe_load((splits / "train.yaml").read_text())["commands"]
    dev = yaml.safe_load((splits / "dev.yaml").read_text())["commands"]
    examples = yaml.safe_load((REPO / "bench" / "guard_training_examples.yaml").read_text())
    harmful, benign = generate()
    texts = ([i["text"] for i in train] + examples["harmful"] + examples["benign"] + harmful + benign)
    labels = np.array([i["label"] == "harmful" for i in train] + [1] * len(examples["harmful"])
                      + [0] * len(examples["benign"]) + [1] * len(harmful) + [0] * len(benign), dtype=float)
    weights = np.array([args.train_weight] * (len(train) + len(examples["harmful"]) + len(examples["benign"]))
                       + [1.0] * (len(harmful) + len(benign)))
    embedder = SentenceEmbedder()
    x = np.concatenate([embedder.encode_batch([guard_text(t) for t in texts[i:i + 64]])
                        for i in range(0, len(texts), 64)])
    model = LogisticRegression(C=1.0, class_weight="balanced", max_iter=5000).fit(x, labels, sample_weight=weights)
    w, b = model.coef_[0], float(model.intercept_[0])
    accuracy = np.mean(((x @ w + b) > 0) == labels)
    print(f"trained on {len(texts)} commands ({len(train)} train split, {len(harmful) + len(benign)} generated); "
          f"training accuracy {100 * accuracy:.1f}%")
    np.savez(args.out, weights=w.astype(np.float32), bias=np.float32(b), threshold=np.float32(0.5))
    classifier = HarmClassifier(args.out, embedder)
    guard = CommandGuard(replace(load_guard_config(), classifier=None), cache_size=0)
    guard.classifier = classifier
    threshold = calibrate(guard, classifier, dev, args.target_false_refusals)
    np.savez(args.out, weights=w.astype(np.float32), bias=np.float32(b), threshold=np.float32(threshold))
    print(f"threshold {threshold:.3f} (dev false refusals <= {100 * args.target_false_refusals:.0f}%); wrote {args.out}")


if __name__ == "__main__":
    main()
