"""Split bench/guard_commands.yaml into train / dev (stratified by category, fixed seed) and add
each command's `language` (en/de/es/fr/zh/it). bench/guard_splits/test.yaml is written by
someone else and frozen: this script never reads or writes it."""
from __future__ import annotations

import argparse
import random
from collections import defaultdict
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]


def split(commands: list[dict], dev_fraction: float, seed: int) -> tuple[list[dict], list[dict]]:
    by_category = defaultdict(list)
    for item in commands:
        by_category[item["category"]].append(item)
    rng, train, dev = random.Random(seed), [], []
    for category in sorted(by_category):
        items = by_category[category][:]
        rng.shuffle(items)
        n_dev = max(1, round(dev_fraction * len(items)))
        dev += items[:n_dev]
        train += items[n_dev:]
    return train, dev


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--commands", default=str(REPO / "bench" / "guard_commands.yaml"))
    parser.add_argument("--dev-fraction", type=float, default=0.3)
    parser.add_argument("--seed", type=int, default=10)
    args = parser.parse_args()
    from vlm_agent.core.language.language_id import detect_language
    commands = yaml.safe_load(Path(args.commands).read_text())["commands"]
    for item in commands:
        item["language"] = detect_language(item["text"])[0] if item["category"].startswith("multilingual") else "en"
    for name, items in zip(("train", "dev"), split(commands, args.dev_fraction, args.seed)):
        path = REPO / "bench" / "guard_splits" / f"{name}.yaml"
        description = (f"{name} split of bench/guard_commands.yaml (make_guard_splits.py, seed {args.seed}, "
                       f"dev fraction {args.dev_fraction}, stratified by category)")
        path.write_text(yaml.safe_dump({"description": description, "commands": items},
                                       allow_unicode=True, sort_keys=False))
        print(f"{path.relative_to(REPO)}: {len(items)} commands")


if __name__ == "__main__":
    main()
