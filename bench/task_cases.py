"""The task suite's cases: generated tabletop scenes with a task each and what success means.

Written before any tuning of the task agent (see bench/task_suite.py). Every case is built so its
answer follows from the scene description, never from perception."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from vlm_agent.core.sim.faults import FaultConfig
from vlm_agent.core.sim.scenarios import _Builder
from vlm_agent.core.sim.scene import SceneSpec

KINDS = ("pick", "place_on", "relational", "sequence", "quantifier", "stack", "tower", "sort", "clear", "context",
         "occupied", "moved", "honest_stop")
COLORS = ("red", "green", "blue", "yellow", "orange", "purple", "pink", "brown", "black")
WORD = {"cube": "cube", "sphere": "ball", "cylinder": "can"}
RELATIONS = {"left of": (0, 1), "right of": (0, -1), "in front of": (-1, 0), "behind": (1, 0)}


@dataclass(frozen=True)
class Check:
    kind: str                     # held, on, beside, tower
    names: tuple[str, ...]        # target first (tower: bottom to top)
    relation: str = ""


@dataclass(frozen=True)
class TaskCase:
    kind: str
    commands: tuple[str, ...]
    scene: SceneSpec
    checks: tuple[Check, ...] = ()
    expected_status: str = "succeeded"
    faults: FaultConfig = field(default_factory=FaultConfig)
    moved_by_fault: tuple[str, ...] = ()


def generate(per_kind: int = 12, seed: int = 0) -> list[TaskCase]:
    cases = []
    for kind in KINDS:
        rng = np.random.default_rng([seed, KINDS.index(kind)])
        made = 0
        for attempt in range(per_kind * 20):
            if made == per_kind:
                break
            case = globals()[f"_{kind}"](rng, _Builder(rng), f"{kind}_{made}")
            if case is not None:
                cases.append(case)
                made += 1
    return cases


def _objects(rng, b, count, shapes=("cube", "sphere", "cylinder"), colors=COLORS, **kwargs):
    picked = []
    for color in rng.choice(colors, size=count, replace=False):
        shape = str(rng.choice(shapes))
        spec = b.add(shape, str(color), **kwargs)
        if spec is None:
            return None
        picked.append(spec)
    return picked


def _plate(b, color="white", diameter=None, gap=0.05):
    size = None if diameter is None else (diameter, diameter, 0.02)
    return b.add("plate", color, size=size, gap=gap, name=f"{color}_plate")


def _say(spec) -> str:
    return f"{spec.color} {WORD[spec.shape]}"


def _pick(rng, b, name):
    objs = _objects(rng, b, 3)
    return objs and TaskCase("pick", (f"pick up the {_say(objs[0])}",), b.scene(name), (Check("held", (objs[0].name,)),))


def _place_on(rng, b, name):
    plate, objs = _plate(b), _objects(rng, b, 3)
    return plate and objs and TaskCase("place_on", (f"put the {_say(objs[0])} on the plate",), b.scene(name),
                                       (Check("on", (objs[0].name, plate.name)),))


def _relational(rng, b, name):
    objs = _objects(rng, b, 3, gap=0.09)
    relation = str(rng.choice(list(RELATIONS)))
    return objs and TaskCase("relational", (f"put the {_say(objs[0])} {relation} the {_say(objs[1])}",), b.scene(name),
                             (Check("beside", (objs[0].name, objs[1].name), relation),))


def _sequence(rng, b, name):
    plate, objs = _plate(b), _objects(rng, b, 3, gap=0.08)
    if not (plate and objs):
        return None
    if rng.random() < 0.5:
        return TaskCase("sequence", (f"pick up the {_say(objs[0])}, then put it on the plate",), b.scene(name),
                        (Check("on", (objs[0].name, plate.name)),))
    relation = str(rng.choice(list(RELATIONS)))
    return TaskCase("sequence", (f"put the {_say(objs[0])} on the plate and then put the {_say(objs[1])} {relation} "
                                 f"the {_say(objs[2])}",), b.scene(name),
                    (Check("on", (objs[0].name, plate.name)), Check("beside", (objs[1].name, objs[2].name), relation)))


def _quantifier(rng, b, name):
    plate = _plate(b, diameter=0.22)
    count = int(rng.integers(2, 4))
    color = str(rng.choice(COLORS))
    targets = [b.add("cube", color, size=(0.04,) * 3, gap=0.05) for _ in range(count)]
    others = _objects(rng, b, 2, shapes=("sphere", "cylinder"), colors=[c for c in COLORS if c != color])
    if not (plate and all(targets) and others):
        return None
    words = {2: ("both", "the two", "all the", "every", "each"), 3: ("all the", "the three", "every", "each")}[count]
    word = str(rng.choice(words))
    noun = "cube" if word in ("every", "each") else "cubes"
    return TaskCase("quantifier", (f"put {word} {color} {noun} on the plate",), b.scene(name),
                    tuple(Check("on", (t.name, plate.name)) for t in targets))


def _stack(rng, b, name):
    objs = _objects(rng, b, 3, shapes=("cube",), gap=0.06)
    return objs and TaskCase("stack", (f"stack the {_say(objs[0])} on the {_say(objs[1])}",), b.scene(name),
                             (Check("on", (objs[0].name, objs[1].name)),))


def _tower(rng, b, name):
    colors = rng.choice(COLORS, size=3, replace=False)
    cubes = [b.add("cube", str(c), size=(s,) * 3, gap=0.06) for c, s in zip(colors, (0.06, 0.05, 0.04))]
    others = _objects(rng, b, 1, shapes=("sphere", "cylinder"), colors=[c for c in COLORS if c not in colors])
    if not (all(cubes) and others):
        return None
    return TaskCase("tower", ("build a tower of the cubes, largest at the bottom",), b.scene(name),
                    (Check("tower", tuple(c.name for c in cubes)),))


def _sort(rng, b, name):
    white, gray = _plate(b, "white", 0.2), _plate(b, "gray", 0.2)
    reds = _objects(rng, b, 1, colors=("red",)) or []
    reds += _objects(rng, b, 1, colors=("red",)) or [] if rng.random() < 0.5 else []
    blues = _objects(rng, b, 1, colors=("blue",))
    other = _objects(rng, b, 1, colors=("yellow", "green", "orange"))
    if not (white and gray and reds and blues and other):
        return None
    return TaskCase("sort", ("put the red things on the white plate and the blue things on the gray plate",),
                    b.scene(name), tuple(Check("on", (o.name, white.name)) for o in reds) +
                    tuple(Check("on", (o.name, gray.name)) for o in blues))


def _clear(rng, b, name):
    tray = b.add("plate", "gray", size=(0.26, 0.26, 0.02), gap=0.05, name="gray_tray")
    objs = _objects(rng, b, int(rng.integers(2, 4)), shapes=("cube",), size=(0.04,) * 3)
    return tray and objs and TaskCase("clear", ("clear the table onto the tray",), b.scene(name),
                                      tuple(Check("on", (o.name, tray.name)) for o in objs))


def _context(rng, b, name):
    plate, objs = _plate(b), _objects(rng, b, 3, gap=0.08)
    return plate and objs and TaskCase("context", (f"pick up the {_say(objs[0])}", "now put it on the plate"),
                                       b.scene(name), (Check("on", (objs[0].name, plate.name)),))


def _occupied(rng, b, name):
    plate, objs = _plate(b, diameter=0.18), _objects(rng, b, 3, shapes=("cube", "cylinder"),
                                                     colors=[c for c in COLORS if c != "purple"])
    return plate and objs and TaskCase("occupied", (f"put the {_say(objs[0])} on the plate",), b.scene(name),
                                       (Check("on", (objs[0].name, plate.name)),),
                                       faults=FaultConfig(occupy=plate.name, occupy_before_step=1))


def _moved(rng, b, name):
    plate = _plate(b, diameter=0.2)
    colors = rng.choice(COLORS, size=2, replace=False)
    cubes = [b.add("cube", str(c), size=(0.045,) * 3, gap=0.06) for c in colors]
    if not (plate and all(cubes)):
        return None
    command = f"put the {colors[0]} cube on the plate, then put the {colors[1]} cube on the plate"
    faults = FaultConfig(move_object=cubes[1].name, move_before_step=2, seed=int(rng.integers(1 << 30)))
    return TaskCase("moved", (command,), b.scene(name), tuple(Check("on", (c.name, plate.name)) for c in cubes),
                    faults=faults, moved_by_fault=(cubes[1].name,))


def _honest_stop(rng, b, name):
    plate = _plate(b)
    if rng.random() < 0.5:
        color = str(rng.choice(COLORS))
        cubes = [b.add("cube", color, size=(0.045,) * 3, gap=0.05) for _ in range(3)]
        return plate and all(cubes) and TaskCase("honest_stop", (f"put both {color} cubes on the plate",),
                                                 b.scene(name), expected_status="ambiguous")
    objs = _objects(rng, b, 3, colors=[c for c in COLORS if c != "purple"])
    return plate and objs and TaskCase("honest_stop", ("put the purple ball on the plate",), b.scene(name),
                                       expected_status="not_found")
