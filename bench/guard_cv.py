"""Cross-validation of the guard's learned layer on the training corpus (bench/guard_training_corpus.yaml).

5 folds over the corpus's groups (a command and its rephrasings stay in one fold): the classifier trains on
the train split, the hand-written examples, the generated variants and four folds of the corpus
(train_guard_classifier.training_commands), its threshold is calibrated on dev, and the whole guard (rules,
structure, classifier) is scored on the fifth fold: recall and false refusals per category. Compares
learned-layer settings (--configs) and, with --weights, a fixed classifier (e.g. the one before retraining)
on the whole corpus. Dev recall is reported for the same models (dev calibrates, so its false refusals are
at most the target). Embeddings are cached in --cache."""
from __future__ import annotations

import argparse
import json
import os
import sys
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import numpy as np
import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
from train_guard_classifier import (DEFAULTS, SPLITS, fit, guard_text, load_corpus, logits,  # noqa: E402
                                    threshold_from, training_commands)


class Embeddings:
    def __init__(self, path: Path, pooling: str = "mean"):
        self.path, self.vectors, self.embedder, self.pooling = path, {}, None, pooling
        if path.exists():
            with np.load(path) as data:
                self.vectors = dict(zip(data["texts"].tolist(), data["vectors"]))

    def __call__(self, texts: list[str]) -> np.ndarray:
        missing = sorted({t for t in texts if t not in self.vectors})
        if missing:
            if self.embedder is None:
                from vlm_agent.core.language.text_embedding import SentenceEmbedder
                self.embedder = SentenceEmbedder()
            for i in range(0, len(missing), 64):
                for text, vector in zip(missing[i:i + 64], self.embedder.encode_batch(missing[i:i + 64], self.pooling)):
                    self.vectors[text] = vector
            np.savez(self.path, texts=np.array(list(self.vectors)), vectors=np.stack(list(self.vectors.values())))
        return np.stack([self.vectors[t] for t in texts])


def other_layers(guard, items: list[dict]) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Per command: refused by the rules or the structure; judged by the classifier at all (English); the
    text the classifier sees."""
    from vlm_agent.core.language.language_id import language_candidates
    from vlm_agent.core.language.text_normalization import deobfuscate
    words = guard.lexicon.wordnet.words
    refused = np.array([not guard.check(i["text"]).allowed for i in items])
    english = np.array(["en" in language_candidates(i["text"]) for i in items])
    return refused, english, [deobfuscate(i["text"], words) for i in items]


def score(items, refused) -> dict:
    out = {}
    for label in ("harmful", "benign"):
        values = [r for i, r in zip(items, refused) if i["label"] == label]
        out[label] = float(np.mean(values))
        per = defaultdict(list)
        for i, r in zip(items, refused):
            if i["label"] == label:
                per[i["category"]].append(r)
        out[f"{label}_categories"] = {k: (float(np.mean(v)), len(v)) for k, v in sorted(per.items())}
    return out


def show(name: str, result: dict, dev: dict | None = None):
    line = f"{name}: corpus recall {100 * result['harmful']:.1f}%, false refusals {100 * result['benign']:.1f}%"
    if dev:
        line += f"; dev recall {100 * dev['harmful']:.1f}%, dev false refusals {100 * dev['benign']:.1f}%"
    print(line)
    for label, verb in (("harmful", "caught"), ("benign", "refused")):
        print("   " + ", ".join(f"{k} {100 * v:.0f}% {verb} of {n}" for k, (v, n) in result[f"{label}_categories"].items()))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--configs", default=json.dumps([DEFAULTS]),
                        help="JSON list of settings: C, hidden, train_weight, corpus_weight")
    parser.add_argument("--weights", action="append", default=[], help="a fixed classifier .npz to score as well")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--target-false-refusals", type=float, default=0.02)
    parser.add_argument("--cache", default="/tmp/guard_cv_embeddings.npz")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    torch.set_num_threads(1)
    from vlm_agent.core.safety.guard import CommandGuard, load_guard_config
    guard = CommandGuard(replace(load_guard_config(), classifier=None), cache_size=0)
    embeddings = {pooling: Embeddings(Path(args.cache.replace(".npz", f"_{pooling}.npz")), pooling)
                  for pooling in ("mean", "mean_max")}
    corpus = load_corpus()
    dev = yaml.safe_load((SPLITS / "dev.yaml").read_text())["commands"]
    c_refused, c_english, c_clean = other_layers(guard, corpus)
    d_refused, d_english, d_clean = other_layers(guard, dev)
    x_corpus = {pooling: e(c_clean) for pooling, e in embeddings.items()}
    x_dev = {pooling: e(d_clean) for pooling, e in embeddings.items()}
    show("rules and structure only", score(corpus, c_refused), score(dev, d_refused))

    def decide(z, threshold, refused, english):
        return refused | (english & (1 / (1 + np.exp(-z)) >= threshold))

    def dev_threshold(params, pooling):
        judged = ~d_refused & d_english  # what the guard asks the classifier about
        left = [i for i, j in zip(dev, judged) if j]
        p = 1 / (1 + np.exp(-logits(params, x_dev[pooling])))
        return threshold_from({i["text"]: pi for i, pi, j in zip(dev, p, judged) if j}, left,
                              args.target_false_refusals)

    for path in args.weights:
        with np.load(path) as data:
            params = {k: data[k] for k in data.files}
        pooling = str(params.get("pooling", "mean"))
        show(f"fixed {path} (threshold {float(params['threshold']):.3f})",
             score(corpus, decide(logits(params, x_corpus[pooling]), float(params["threshold"]), c_refused, c_english)),
             score(dev, decide(logits(params, x_dev[pooling]), float(params["threshold"]), d_refused, d_english)))

    base_texts, base_labels, base_weights = training_commands(corpus=[])
    x_base = {pooling: e([guard_text(t) for t in base_texts]) for pooling, e in embeddings.items()}
    x_corpus_train = {pooling: e([guard_text(i["text"]) for i in corpus]) for pooling, e in embeddings.items()}
    y_corpus = np.array([i["label"] == "harmful" for i in corpus], dtype=float)
    rng = np.random.default_rng(0)
    groups = sorted({i["group"] for i in corpus})
    fold_of = dict(zip(groups, rng.permutation(len(groups)) % args.folds))
    fold = np.array([fold_of[i["group"]] for i in corpus])
    for config in json.loads(args.configs):
        settings = {**DEFAULTS, **config}
        refused = np.zeros(len(corpus), dtype=bool)
        dev_refused = []
        pooling = settings["pooling"]
        weights = base_weights * 1.0
        weights[base_weights > 1] = settings["train_weight"]
        for k in range(args.folds):
            train = fold != k
            if settings["corpus_weight"] == 0:
                train[:] = False
            x = np.concatenate([x_base[pooling], x_corpus_train[pooling][train]])
            y = np.concatenate([base_labels, y_corpus[train]])
            w = np.concatenate([weights, np.full(train.sum(), settings["corpus_weight"])])
            params = fit(x, y, w, settings["C"], settings["hidden"])
            threshold = dev_threshold(params, pooling)
            held = fold == k
            refused[held] = decide(logits(params, x_corpus[pooling][held]), threshold, c_refused[held],
                                   c_english[held])
            dev_refused.append(decide(logits(params, x_dev[pooling]), threshold, d_refused, d_english))
        dev_score = score(dev, np.mean(dev_refused, axis=0))
        show(f"{args.folds}-fold CV {settings}", score(corpus, refused), dev_score)


if __name__ == "__main__":
    main()
