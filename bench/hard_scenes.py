"""Held-out hard grounding scenes: noisy depth, tall and small objects, same-colour touching
objects, stacks, spoken phrasing. Each case is a seeded random layout in the pybullet sim whose
answer comes from the scene description, and is run at several depth-noise levels.

Seeds are split once: `dev` (seeds 1000+) may be used for tuning; `test` (seeds 9000+) is run once
at the end and never tuned on. `test` was run at the end of two rounds, so `test2` (seeds 20000+, same
test phrasing list) is a fresh held-out range for the third round: never inspected case by case, run
once before and once after. Spoken templates come from bench/spoken_phrasing.yaml (dev and test
lists in different words).

Counts: success per kind and noise level; "confidently wrong" = status ok with the wrong object,
or ok where ambiguous/not_found was expected (the worst outcome for a robot).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

from grounding_suite import evaluate  # noqa: E402

from vlm_agent.core.sim.scenarios import BASIC_COLORS, SHAPE_WORDS, Case, _Builder  # noqa: E402
from vlm_agent.core.sim.scene import ObjectSpec  # noqa: E402

SPLIT_SEEDS = {"dev": 1000, "test": 9000, "test2": 20000}
PHRASING_LIST = {"dev": "dev", "test": "test", "test2": "test"}  # test2: new seeds, the held-out words
LEVELS = ("none", "d435", "d435x2")
PHRASING = yaml.safe_load((REPO / "bench" / "spoken_phrasing.yaml").read_text())
COLORS = BASIC_COLORS[:7]  # saturated hues: named reliably without noise, so the shape is what is tested


def _typo(rng, word: str) -> str:
    if len(word) < 4:
        return word
    i = int(rng.integers(1, len(word) - 1))
    return word[:i] + word[i + 1:] if rng.random() < 0.5 else word[:i - 1] + word[i] + word[i - 1] + word[i + 1:]


def _noisy(rng, b):
    """Plain attribute commands, 2-5 distractors: the noise level is what varies."""
    shape, color = rng.choice(("cube", "sphere", "cylinder", "box")), rng.choice(COLORS)
    target = b.add(shape, color)
    b.distractors(int(rng.integers(2, 6)), {(color, shape)})
    return f"pick up the {color} {rng.choice(SHAPE_WORDS[shape])}", "ok", target.name


def _tall(rng, b):
    """A 15-20 cm cylinder; same-colour look-alikes that a wrong shape or height reading would confuse."""
    color = rng.choice(COLORS)
    d = rng.uniform(0.045, 0.065)
    tall = b.add("cylinder", color, size=(d, d, rng.uniform(0.15, 0.20)))
    variant = int(rng.integers(3))
    if variant == 0:  # a short cylinder of the same colour: "tall" decides
        b.add("cylinder", color, size=(d, d, rng.uniform(0.06, 0.08)))
        text, target = f"pick up the tall {color} cylinder", tall
    elif variant == 1:  # a same-colour sphere: the shape decides
        b.add("sphere", color)
        text, target = f"pick up the {color} {rng.choice(SHAPE_WORDS['cylinder'])}", tall
    else:
        ball = b.add("sphere", color)
        text, target = f"pick up the {color} ball", ball
    if target is None:
        return None
    b.distractors(int(rng.integers(1, 4)), {(color, "cylinder"), (color, "sphere")})
    return text, "ok", target.name


def _small(rng, b):
    """2-3 cm cubes, cylinders and spheres next to same-colour small objects of another shape."""
    color = rng.choice(COLORS)
    shapes = list(rng.permutation(["cube", "cylinder", "sphere"]))
    made = []
    for shape in shapes[:2]:
        s = rng.uniform(0.02, 0.03)
        size = (s, s, s) if shape != "cylinder" else (s, s, rng.uniform(0.025, 0.04))
        made.append(b.add(shape, color, size=size))
    if None in made:
        return None
    b.distractors(int(rng.integers(1, 4)), {(color, s) for s in ("cube", "cylinder", "sphere")})
    target = made[0]
    return f"pick up the small {color} {rng.choice(SHAPE_WORDS[target.shape])}", "ok", target.name


def _touching_same(rng, b):
    """Two objects of the same colour and different shapes in contact."""
    color = rng.choice(COLORS)
    shape, other = rng.choice(("cube", "cylinder", "sphere", "box"), 2, replace=False)
    target = b.add(shape, color)
    if target is None:
        return None
    size = b.size(other)
    angle = rng.uniform(0, 2 * np.pi)
    reach = _half_width(target, angle) + _half_width_spec(other, size, angle + np.pi) + 0.002
    xy = (target.position[0] + reach * np.cos(angle), target.position[1] + reach * np.sin(angle))
    neighbour = b.add(other, color, xy=xy, size=size, gap=-0.2)
    if neighbour is None:
        return None
    b.distractors(int(rng.integers(1, 3)), {(color, shape), (color, other)})
    return f"pick up the {color} {rng.choice(SHAPE_WORDS[shape])}", "ok", target.name


def _half_width(spec: ObjectSpec, angle: float) -> float:
    return _half_width_spec(spec.shape, spec.size, angle - spec.yaw)


def _half_width_spec(shape: str, size, angle: float) -> float:
    if shape in ("sphere", "cylinder"):
        return size[0] / 2
    # box/cube with yaw unknown at placement: use the half-diagonal bound along the direction
    return 0.5 * max(abs(size[0] * np.cos(angle)) + abs(size[1] * np.sin(angle)), min(size[:2]))


def _stacked(rng, b):
    """A cube resting on a box, and sometimes a loose look-alike cube or box elsewhere."""
    box_color = rng.choice(COLORS)
    cube_color = box_color if rng.random() < 0.5 else rng.choice([c for c in COLORS if c != box_color])
    box = b.add("box", box_color, size=(rng.uniform(0.09, 0.12), rng.uniform(0.065, 0.08), rng.uniform(0.035, 0.05)))
    if box is None:
        return None
    s = rng.uniform(0.035, 0.05)
    cube = ObjectSpec(f"{cube_color}_cube_on_box", "cube", cube_color, (s, s, s), box.position,
                      float(box.yaw + rng.uniform(-0.3, 0.3)), elevation=box.size[2] + 0.002)
    b.objects.append(cube)
    variant = int(rng.integers(5))
    if variant == 0:
        b.add("cube", rng.choice([c for c in COLORS if c != cube_color]))
        text, target = "pick up the cube on top of the box", cube
    elif variant == 1:
        b.add("cube", cube_color)
        text, target = f"pick up the {cube_color} cube on the {box_color} box", cube
    elif variant == 2:
        text, target = f"pick up the box under the {cube_color} cube", box
    elif variant == 3:
        text, target = f"grab the {box_color} box", box
    else:
        text, target = f"grab the {cube_color} {rng.choice(SHAPE_WORDS['cube'])}", cube
    b.distractors(int(rng.integers(1, 3)), {(cube_color, "cube"), (box_color, "box"), (box_color, "cube")})
    return text, "ok", target.name


def _spoken(rng, b, split: str):
    shape = rng.choice(("cube", "sphere", "cylinder", "box"))
    color, wrong = rng.choice(COLORS, 2, replace=False)
    target = b.add(shape, color)
    if target is None or b.add(shape, wrong) is None:
        return None
    b.distractors(int(rng.integers(1, 4)), {(c, s) for c in (color,) for s in ("cube", "sphere", "cylinder", "box")}
                  | {(wrong, shape)})
    if any(o.color == color and o is not target for o in b.objects):
        return None
    noun = str(rng.choice(SHAPE_WORDS[shape]))
    template = str(rng.choice(PHRASING[PHRASING_LIST[split]]))
    return template.format(color=color, noun=noun, typo=_typo(rng, noun), wrong=wrong, shape=shape), "ok", target.name


KINDS = {"noisy": _noisy, "tall": _tall, "small": _small, "touching_same": _touching_same, "stacked": _stacked,
         "spoken": _spoken}


def generate(split: str, per_kind: int, kinds=None) -> list[tuple[Case, int]]:
    """(case, seed) pairs; the seed also drives the depth noise of that case."""
    if split not in SPLIT_SEEDS:
        raise ValueError(f"split must be one of {', '.join(SPLIT_SEEDS)}")
    out = []
    for kind in kinds or KINDS:
        k_index = list(KINDS).index(kind)  # seeds depend on the kind, not on which kinds were asked for
        made, attempt = 0, 0
        while made < per_kind:
            seed = SPLIT_SEEDS[split] + 100 * k_index + attempt
            attempt += 1
            rng = np.random.default_rng(seed)
            builder = _Builder(rng)
            made_case = KINDS[kind](rng, builder, split) if kind == "spoken" else KINDS[kind](rng, builder)
            if made_case is None:
                continue
            text, status, target = made_case
            out.append((Case(kind, text, builder.scene(f"{kind}_{made}"), status, target), seed))
            made += 1
    return out


def confidently_wrong(case: Case, result, success: bool) -> bool:
    return not success and result.status == "ok"


def run(split: str, per_kind: int, levels=LEVELS, kinds=None, verbose: bool = False) -> dict:
    from vlm_agent.core.backends import create_backend
    from vlm_agent.core.language.synonyms import SynonymResolver
    from vlm_agent.core.perception.frame import RGBDFrame
    from vlm_agent.core.perception.grounding import Grounder
    from vlm_agent.core.sim.world import TabletopWorld
    grounder = Grounder(create_backend("rgbd_geometry"), SynonymResolver())
    outcomes, wrong, latencies, errors_m, failures = (defaultdict(list), defaultdict(int), defaultdict(list),
                                                       defaultdict(list), [])
    for index, (case, seed) in enumerate(generate(split, per_kind, kinds)):
        for level in levels:
            world = TabletopWorld(case.scene, noise=level, noise_seed=seed)
            rendered = world.render()
            truth = {s.name: s.position for s in world.object_states()}
            world.close()
            frame = RGBDFrame(rendered.rgb, rendered.depth_m, case.scene.camera.intrinsics,
                              case.scene.camera.base_from_camera(), key=(index, level))
            start = time.perf_counter()
            result = grounder.ground(frame, case.command)
            latencies[level].append((time.perf_counter() - start) * 1000)
            success, why = evaluate(case, result, truth)
            outcomes[(case.category, level)].append(success)
            if result.status == "ok" and result.target is not None and case.target in truth:
                errors_m[level].append(float(np.linalg.norm(result.target.obj.center_base - truth[case.target])))
            if confidently_wrong(case, result, success):
                wrong[(case.category, level)] += 1
            if not success:
                failures.append((case.category, level, seed, case.command, why))
                if verbose:
                    print(f"FAIL [{case.category} @ {level}, seed {seed}] {case.command!r}: {why}", flush=True)
    return {"outcomes": outcomes, "wrong": wrong, "latencies": latencies, "errors_m": errors_m,
            "failures": failures, "levels": levels}


def report(summary: dict, failures: bool = True) -> None:
    levels = summary["levels"]
    kinds = list(dict.fromkeys(kind for kind, _ in summary["outcomes"]))
    print(f"{'kind':<15}" + "".join(f"{level:>22}" for level in levels))
    for kind in kinds:
        cells = []
        for level in levels:
            values = summary["outcomes"][(kind, level)]
            cells.append(f"{100 * np.mean(values):5.1f}% of {len(values):3d} ({summary['wrong'][(kind, level)]} wrong)")
        print(f"{kind:<15}" + "".join(f"{c:>22}" for c in cells))
    for level in levels:
        values = [v for (kind, lv), vs in summary["outcomes"].items() if lv == level for v in vs]
        wrong = sum(n for (kind, lv), n in summary["wrong"].items() if lv == level)
        err = summary["errors_m"][level]
        lat = summary["latencies"][level]
        print(f"{level:<8} overall {100 * np.mean(values):5.1f}%  confidently wrong {wrong}  "
              f"median 3D error of ok picks {1000 * np.median(err) if err else float('nan'):.1f} mm  "
              f"grounding p50 {np.percentile(lat, 50):.0f} ms p95 {np.percentile(lat, 95):.0f} ms")
    for kind, level, seed, command, why in summary["failures"][:40] if failures else ():
        print(f"  failed [{kind} @ {level}, seed {seed}] {command!r}: {why}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", choices=tuple(SPLIT_SEEDS), default="dev")
    parser.add_argument("--per-kind", type=int, default=20)
    parser.add_argument("--levels", default=",".join(LEVELS), help="depth-noise levels (none, d435, d435x2, ...)")
    parser.add_argument("--kinds", default=",".join(KINDS))
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--summary-only", action="store_true",
                        help="numbers only, no failed cases (for a held-out split that must not be inspected)")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    report(run(args.split, args.per_kind, tuple(args.levels.split(",")), args.kinds.split(","),
               args.verbose and not args.summary_only), failures=not args.summary_only)


if __name__ == "__main__":
    main()
