"""Randomised tabletop scenes with commands and ground truth, one per grounding category.

Each generator builds a scene whose layout makes its command's answer unique by
construction (or absent / ambiguous on purpose), so the expected answer comes from the
scene description, never from perception.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .scene import CameraSpec, ObjectSpec, SceneSpec
from ..perception.camera import CameraIntrinsics

BASIC_COLORS = ("red", "green", "blue", "yellow", "orange", "purple", "pink", "white", "black", "gray", "brown")
SHAPE_WORDS = {"cube": ("cube", "block"), "sphere": ("ball", "sphere"), "cylinder": ("can", "cylinder"),
               "box": ("box",), "plate": ("plate", "tray")}
VERBS = ("pick up", "grab", "take", "get", "lift", "please pick up", "could you grab")
X_RANGE, Y_RANGE = (0.36, 0.74), (-0.26, 0.26)


@dataclass(frozen=True)
class Case:
    category: str
    command: str
    scene: SceneSpec
    expected_status: str               # ok, not_found, ambiguous
    target: str = ""                   # expected object name
    destination: str = ""
    count: int | None = None


class _Builder:
    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self.objects: list[ObjectSpec] = []

    def size(self, shape: str, scale: float = 1.0):
        r = self.rng.uniform
        return {"cube": lambda: (r(0.04, 0.055) * scale,) * 3,
                "sphere": lambda: (r(0.05, 0.065) * scale,) * 3,
                "cylinder": lambda: (r(0.05, 0.065) * scale,) * 2 + (r(0.08, 0.11) * scale,),
                "box": lambda: (r(0.09, 0.11) * scale, r(0.05, 0.06) * scale, r(0.035, 0.045) * scale),
                "plate": lambda: (r(0.14, 0.17),) * 2 + (0.02,)}[shape]()

    def fits(self, xy, shape, size, gap: float) -> bool:
        if not (X_RANGE[0] <= xy[0] <= X_RANGE[1] and Y_RANGE[0] <= xy[1] <= Y_RANGE[1]):
            return False
        return all(np.hypot(xy[0] - o.position[0], xy[1] - o.position[1]) >=
                   _radius(shape, size) + _radius(o.shape, o.size) + gap for o in self.objects)

    def add(self, shape, color, xy=None, size=None, gap=0.035, name=None) -> ObjectSpec | None:
        size = size or self.size(shape)
        for _ in range(200 if xy is None else 1):
            spot = xy if xy is not None else (self.rng.uniform(*X_RANGE), self.rng.uniform(*Y_RANGE))
            if self.fits(spot, shape, size, gap):
                spec = ObjectSpec(name or f"{color.replace(' ', '_')}_{shape}_{len(self.objects)}", shape, color,
                                  tuple(float(s) for s in size), (float(spot[0]), float(spot[1])),
                                  float(self.rng.uniform(-0.8, 0.8)))
                self.objects.append(spec)
                return spec
        return None

    def distractors(self, count: int, avoid: set[tuple[str, str]]):
        for _ in range(count * 10):
            if count <= 0:
                return
            shape = self.rng.choice(("cube", "sphere", "cylinder", "box"))
            color = self.rng.choice(BASIC_COLORS)
            if (color, shape) in avoid:
                continue
            if self.add(shape, color):
                avoid.add((color, shape))
                count -= 1

    def scene(self, name: str) -> SceneSpec:
        r = self.rng.uniform
        intrinsics = CameraIntrinsics(640, 480, 462.0, 462.0, 320.0, 240.0)
        camera = CameraSpec(intrinsics, (r(0.0, 0.12), r(-0.08, 0.08), r(0.55, 0.72)), (r(0.52, 0.6), r(-0.04, 0.04), 0.0))
        return SceneSpec(name, camera, tuple(self.objects))


def _radius(shape: str, size) -> float:
    return 0.5 * size[0] if shape in ("sphere", "cylinder", "plate") else 0.5 * float(np.hypot(size[0], size[1]))


def _word(rng, shape):
    return rng.choice(SHAPE_WORDS[shape])


def _attribute(rng, b, synonyms=False):
    shape = rng.choice(("cube", "sphere", "cylinder", "box"))
    color = rng.choice(BASIC_COLORS)
    target = b.add(shape, color)
    b.distractors(int(rng.integers(2, 7)), {(color, shape)})
    noun = _word(rng, shape) if synonyms else shape
    return f"{rng.choice(VERBS)} the {color} {noun}", "ok", target.name, "", None


def _shade(rng, b):
    hue = rng.choice(("blue", "green", "red"))
    dark, other = ("dark", rng.choice(("", "light"))) if rng.random() < 0.5 else (rng.choice(("", "light")), "dark")
    if hue == "red" and "light" in (dark, other):
        dark, other = "dark", ""
    shape = rng.choice(("cube", "sphere"))
    target = b.add(shape, f"{dark} {hue}".strip())
    b.add(shape, f"{other} {hue}".strip())
    b.distractors(int(rng.integers(1, 4)), {(f"{dark} {hue}".strip(), shape), (f"{other} {hue}".strip(), shape)})
    return f"pick up the {dark + ' ' if dark else ''}{hue} {shape}".replace("  ", " "), "ok", target.name, "", None


def _size(rng, b):
    color, shape = rng.choice(BASIC_COLORS[:6]), rng.choice(("cube", "sphere"))
    small = b.add(shape, color, size=b.size(shape, 0.7))
    large = b.add(shape, color, size=b.size(shape, 1.35))
    b.distractors(int(rng.integers(1, 4)), {(color, shape)})
    word, target = [("small", small), ("smallest", small), ("large", large), ("biggest", large),
                    ("larger", large), ("little", small)][int(rng.integers(6))]
    return f"pick up the {word} {color} {shape}", "ok", target.name, "", None


def _reference_pair(rng, b, axis: int):
    """Two look-alike objects on either side of a reference along axis (0 forward, 1 left)."""
    color, shape = rng.choice(BASIC_COLORS[:7]), rng.choice(("cube", "sphere", "cylinder"))
    ref_color = rng.choice([c for c in BASIC_COLORS[:7] if c != color])
    ref_shape = rng.choice([s for s in ("cube", "sphere", "cylinder", "plate") if s != shape])
    center = (rng.uniform(0.48, 0.62), rng.uniform(-0.08, 0.08))
    reference = b.add(ref_shape, ref_color, xy=center)
    offset = np.zeros(2)
    offset[axis] = rng.uniform(0.13, 0.17)
    jitter = rng.uniform(-0.03, 0.03)
    a = b.add(shape, color, xy=(center[0] + offset[0] + (jitter if axis == 1 else 0),
                                center[1] + offset[1] + (jitter if axis == 0 else 0)), gap=0.02)
    c = b.add(shape, color, xy=(center[0] - offset[0] - (jitter if axis == 1 else 0),
                                center[1] - offset[1] - (jitter if axis == 0 else 0)), gap=0.02)
    if reference is None or a is None or c is None:
        return None
    b.distractors(int(rng.integers(0, 3)), {(color, shape), (ref_color, ref_shape)})
    return color, shape, ref_color, ref_shape, a, c


def _left_right(rng, b):
    made = _reference_pair(rng, b, 1)
    if made is None:
        return None
    color, shape, ref_color, ref_shape, left, right = made
    relation, target = [("left of", left), ("to the left of", left), ("right of", right),
                        ("to the right of", right)][int(rng.integers(4))]
    return (f"{rng.choice(VERBS)} the {color} {_word(rng, shape)} {relation} the {ref_color} {_word(rng, ref_shape)}",
            "ok", target.name, "", None)


def _front_behind(rng, b):
    made = _reference_pair(rng, b, 0)
    if made is None:
        return None
    color, shape, ref_color, ref_shape, behind, front = made
    relation, target = [("in front of", front), ("behind", behind)][int(rng.integers(2))]
    return (f"{rng.choice(VERBS)} the {color} {_word(rng, shape)} {relation} the {ref_color} {_word(rng, ref_shape)}",
            "ok", target.name, "", None)


def _near(rng, b):
    color, shape = rng.choice(BASIC_COLORS[:7]), rng.choice(("cube", "sphere"))
    ref_color = rng.choice([c for c in BASIC_COLORS[:7] if c != color])
    reference = b.add("plate", ref_color, xy=(rng.uniform(0.45, 0.62), rng.uniform(-0.15, 0.15)))
    angle = rng.uniform(0, 2 * np.pi)
    distance = 0.5 * reference.size[0] + 0.055
    near = b.add(shape, color, xy=(reference.position[0] + distance * np.cos(angle),
                                   reference.position[1] + distance * np.sin(angle)), gap=0.015)
    far = None
    for _ in range(50):
        spot = (rng.uniform(*X_RANGE), rng.uniform(*Y_RANGE))
        if np.hypot(spot[0] - reference.position[0], spot[1] - reference.position[1]) > 0.3:
            far = b.add(shape, color, xy=spot)
            if far:
                break
    if near is None or far is None:
        return None
    b.distractors(int(rng.integers(0, 3)), {(color, shape), (ref_color, "plate")})
    word = rng.choice(("next to", "near", "beside", "close to"))
    return f"{rng.choice(VERBS)} the {color} {shape} {word} the {ref_color} plate", "ok", near.name, "", None


def _between(rng, b):
    color, shape = rng.choice(BASIC_COLORS[:7]), rng.choice(("cube", "sphere"))
    x = rng.uniform(0.45, 0.62)
    ends = [(rng.choice([c for c in BASIC_COLORS[:7] if c != color]), s) for s in ("cylinder", "sphere" if shape == "cube" else "cube")]
    a = b.add(ends[0][1], ends[0][0], xy=(x, 0.17))
    c = b.add(ends[1][1], ends[1][0], xy=(x + rng.uniform(-0.04, 0.04), -0.17))
    target = b.add(shape, color, xy=(x + rng.uniform(-0.02, 0.02), rng.uniform(-0.03, 0.03)))
    other = b.add(shape, color, xy=(x + rng.choice((-1, 1)) * 0.16, rng.uniform(-0.2, 0.2)), gap=0.03)
    if None in (a, c, target, other):
        return None
    return (f"pick the {color} {shape} between the {ends[0][0]} {ends[0][1]} and the {ends[1][0]} {ends[1][1]}",
            "ok", target.name, "", None)


def _closest(rng, b):
    color, shape = rng.choice(BASIC_COLORS[:7]), rng.choice(("cube", "sphere", "cylinder"))
    y = rng.uniform(-0.15, 0.15)
    near = b.add(shape, color, xy=(rng.uniform(0.37, 0.44), y))
    far = b.add(shape, color, xy=(rng.uniform(0.62, 0.72), y + rng.uniform(-0.1, 0.1)))
    if near is None or far is None:
        return None
    b.distractors(int(rng.integers(1, 4)), {(color, shape)})
    phrase, target = [("closest to the robot", near), ("nearest to you", near), ("farthest from the robot", far),
                      ("furthest from you", far)][int(rng.integers(4))]
    return f"point at the {color} {_word(rng, shape)} {phrase}", "ok", target.name, "", None


def _ordinal(rng, b):
    shape = rng.choice(("cube", "sphere"))
    count = int(rng.integers(3, 5))
    ys = np.linspace(0.22, -0.22, count) + rng.uniform(-0.02, 0.02, count)
    items = [b.add(shape, rng.choice(BASIC_COLORS[:7]), xy=(rng.uniform(0.45, 0.65), y), gap=0.02) for y in ys]
    if None in items:
        return None
    b.distractors(int(rng.integers(0, 2)), {(c, shape) for c in BASIC_COLORS})
    names = ["first", "second", "third"]
    index = int(rng.integers(0, count))
    direction = rng.choice(("left", "right"))
    position = index if direction == "left" else count - 1 - index
    word = "last" if index == count - 1 and rng.random() < 0.5 else names[min(index, 2)]
    if word != "last" and index > 2:
        return None
    return f"pick the {word} {shape} from the {direction}", "ok", items[position].name, "", None


def _negation(rng, b):
    shape = rng.choice(("cube", "sphere", "cylinder"))
    excluded, kept = rng.choice(BASIC_COLORS[:7], 2, replace=False)
    b.add(shape, excluded)
    target = b.add(shape, kept)
    b.distractors(int(rng.integers(1, 4)), {(c, shape) for c in BASIC_COLORS})
    text = rng.choice((f"pick the {shape} that is not {excluded}", f"grab any {_word(rng, shape)} except the {excluded} one",
                       f"take the {shape} which is not {excluded}"))
    return text, "ok", target.name, "", None


def _count(rng, b):
    shape = rng.choice(("cube", "sphere", "cylinder"))
    count = int(rng.integers(1, 5))
    for _ in range(count):
        if b.add(shape, rng.choice(BASIC_COLORS[:7])) is None:
            return None
    b.distractors(int(rng.integers(1, 3)), {(c, shape) for c in BASIC_COLORS})
    plural = {"cube": "cubes", "sphere": "balls", "cylinder": "cans"}[shape]
    return f"how many {plural} are there", "ok", "", "", count


def _destination(rng, b, two_step=False):
    shape, color = rng.choice(("cube", "sphere", "cylinder")), rng.choice(BASIC_COLORS[:7])
    target = b.add(shape, color)
    dest_color = rng.choice([c for c in BASIC_COLORS[:8] if c != color])
    dest_shape, relation = [("plate", "on"), ("plate", "onto"), ("box", "to the left of"), ("cube", "next to"),
                            ("cylinder", "behind"), ("plate", "in front of")][int(rng.integers(6))]
    destination = b.add(dest_shape, dest_color)
    if target is None or destination is None:
        return None
    b.distractors(int(rng.integers(1, 4)), {(color, shape), (dest_color, dest_shape)})
    if two_step:
        text = f"pick up the {color} {_word(rng, shape)} and put it {relation} the {dest_color} {_word(rng, dest_shape)}"
    else:
        text = f"{rng.choice(('put', 'place', 'move'))} the {color} {_word(rng, shape)} {relation} the {dest_color} " \
               f"{_word(rng, dest_shape)}"
    return text, "ok", target.name, destination.name, None


def _not_found(rng, b):
    b.distractors(int(rng.integers(3, 7)), set())
    present = {(o.color, o.shape) for o in b.objects}
    for _ in range(50):
        color, shape = rng.choice(BASIC_COLORS[:7]), rng.choice(("cube", "sphere", "cylinder"))
        if (color, shape) not in present:
            return f"{rng.choice(VERBS)} the {color} {_word(rng, shape)}", "not_found", "", "", None
    return None


def _ambiguous(rng, b):
    color, shape = rng.choice(BASIC_COLORS[:7]), rng.choice(("cube", "sphere", "cylinder"))
    size = b.size(shape)
    if b.add(shape, color, size=size) is None or b.add(shape, color, size=size) is None:
        return None
    b.distractors(int(rng.integers(1, 4)), {(color, shape)})
    return f"{rng.choice(VERBS)} the {color} {_word(rng, shape)}", "ambiguous", "", "", None


def _occluded(rng, b):
    """A small object partly hidden behind a tall one (as seen from the camera near x = 0)."""
    tall = b.add("cylinder", rng.choice(BASIC_COLORS[:7]), size=(0.07, 0.07, 0.14),
                 xy=(rng.uniform(0.42, 0.5), rng.uniform(-0.15, 0.15)))
    color = rng.choice([c for c in BASIC_COLORS[:7] if c != tall.color])
    shape = rng.choice(("cube", "sphere"))
    target = b.add(shape, color, xy=(tall.position[0] + rng.uniform(0.07, 0.09),
                                     tall.position[1] + rng.choice((-1, 1)) * rng.uniform(0.045, 0.06)), gap=0.005)
    if target is None:
        return None
    b.distractors(int(rng.integers(1, 3)), {(color, shape), (tall.color, "cylinder")})
    return f"{rng.choice(VERBS)} the {color} {shape}", "ok", target.name, "", None


def _touching(rng, b):
    """Two objects of different colours in contact."""
    color, other = rng.choice(BASIC_COLORS[:7], 2, replace=False)
    shape = rng.choice(("cube", "cylinder"))
    size = b.size(shape)
    target = b.add(shape, color, size=size)
    if target is None:
        return None
    angle = rng.uniform(0, 2 * np.pi)
    step = size[0] + 0.002
    neighbour = b.add(rng.choice(("cube", "cylinder", "box")), other,
                      xy=(target.position[0] + step * np.cos(angle), target.position[1] + step * np.sin(angle)),
                      size=b.size("cube"), gap=-0.06)
    if neighbour is None:
        return None
    b.distractors(int(rng.integers(1, 3)), {(color, shape)})
    return f"{rng.choice(VERBS)} the {color} {shape}", "ok", target.name, "", None


GENERATORS = {
    "attribute": _attribute, "synonym": lambda r, b: _attribute(r, b, synonyms=True), "shade": _shade,
    "size": _size, "left_right": _left_right, "front_behind": _front_behind, "near": _near, "between": _between,
    "closest": _closest, "ordinal": _ordinal, "negation": _negation, "count": _count,
    "destination": _destination, "two_step": lambda r, b: _destination(r, b, two_step=True),
    "not_found": _not_found, "ambiguous": _ambiguous, "occluded": _occluded, "touching": _touching,
}


def generate_cases(per_category: int, seed: int = 0, categories=None) -> list[Case]:
    rng = np.random.default_rng(seed)
    cases = []
    for category in categories or GENERATORS:
        made = 0
        while made < per_category:
            builder = _Builder(rng)
            out = GENERATORS[category](rng, builder)
            if out is None:
                continue
            text, status, target, destination, count = out
            cases.append(Case(category, text, builder.scene(f"{category}_{made}"), status, target, destination, count))
            made += 1
    return cases
