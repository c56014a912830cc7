"""Did the step do what was asked? Checked on a fresh frame after execution, against the intent:
a picked object is held and lifted, a placed object rests at its release spot (on the support, or
on the table beside the reference), a pushed object moved."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..perception.objects import SceneObject

PLACE_TOLERANCE_M = 0.035     # perceived centre within this of the release spot (xy)
HEIGHT_TOLERANCE_M = 0.02     # perceived top within this of where a resting object's top must be
LIFT_MIN_M = 0.05
PUSH_MIN_M = 0.03


@dataclass(frozen=True)
class Verification:
    ok: bool
    message: str


def verify_pick(target: SceneObject, holding: bool, objects: list[SceneObject]) -> Verification:
    if not holding:
        return Verification(False, f"the gripper is empty: the {target.description} was not grasped or slipped")
    start_top = target.center_base[2] + 0.5 * target.size[2]
    left_behind = [o for o in objects if _xy(o, target.center_base) < PLACE_TOLERANCE_M and o.color == target.color
                   and o.center_base[2] + 0.5 * o.size[2] < start_top + LIFT_MIN_M]
    if left_behind:
        return Verification(False, f"the gripper holds something, but the {target.description} is still on the table")
    return Verification(True, f"the {target.description} is in the gripper, lifted off the table")


def verify_place(target: SceneObject, release: np.ndarray, holding: bool, objects: list[SceneObject],
                 support: SceneObject | None) -> Verification:
    """`release`: where the planner put the target's centre; `support`: what it rests on (None: the table)."""
    if holding:
        return Verification(False, f"the gripper still holds something after releasing the {target.description}")
    expected_top = release[2] + 0.5 * float(target.size[2]) - 0.005
    candidates = sorted((o for o in objects if o.center_base is not None and o.size is not None),
                        key=lambda o: _xy(o, release))
    near = [o for o in candidates if _xy(o, release) < max(PLACE_TOLERANCE_M, 0.5 * max(o.size[:2]) - 0.01)
            and (not target.color or o.color == target.color)]
    merged = _merged_with_support(candidates, release, expected_top, support)
    if not near and merged is not None:
        return Verification(True, f"the {target.description} rests on the {support.description} at "
                            f"({merged.center_base[0]:.2f}, {merged.center_base[1]:.2f}): the camera sees the two as one "
                            f"object whose top is where the {target.description}'s top must be")
    if not near:
        seen = ", ".join(f"the {o.description} at ({o.center_base[0]:.2f}, {o.center_base[1]:.2f})"
                         for o in candidates[:2]) or "nothing"
        return Verification(False, f"the {target.description} is not at ({release[0]:.2f}, {release[1]:.2f}); "
                            f"nearest there: {seen}")
    placed = near[0]
    top = placed.center_base[2] + 0.5 * placed.size[2]
    merged = max(placed.size[:2]) > 1.5 * max(target.size[:2])  # joined with a neighbour of its colour
    if abs(top - expected_top) > HEIGHT_TOLERANCE_M and not (merged and top > expected_top - HEIGHT_TOLERANCE_M):
        rest = "on the " + support.description if support is not None else "on the table"
        return Verification(False, f"the {target.description} is at the spot but not resting {rest} "
                            f"(top at {100 * top:.0f} cm, expected {100 * expected_top:.0f} cm)")
    rest = f"on the {support.description}" if support is not None else "on the table"
    return Verification(True, f"the {target.description} rests {rest} at ({placed.center_base[0]:.2f}, "
                        f"{placed.center_base[1]:.2f}), {100 * _xy(placed, release):.1f} cm from the planned spot")


def _merged_with_support(candidates, release, expected_top, support) -> SceneObject | None:
    """Touching objects of similar colour (or gray, white, black) look like one to the embedded
    perception. A single blob at the spot, in the support's colour, whose top is exactly where the
    placed object's top must be (a bare support's top is lower by the object's height) is accepted."""
    if support is None:
        return None
    for obj in candidates:
        if _xy(obj, release) < PLACE_TOLERANCE_M + 0.5 * max(obj.size[:2]) and obj.color == support.color:
            top = obj.center_base[2] + 0.5 * obj.size[2]
            if abs(top - expected_top) <= HEIGHT_TOLERANCE_M:
                return obj
    return None


def verify_push(target: SceneObject, objects: list[SceneObject]) -> Verification:
    same = [o for o in objects if o.color == target.color and o.label == target.label]
    if any(_xy(o, target.center_base) < PUSH_MIN_M for o in same) or not same:
        return Verification(False, f"the {target.description} did not move")
    return Verification(True, f"the {target.description} moved")


def _xy(obj: SceneObject, point) -> float:
    return float(np.linalg.norm(np.asarray(obj.center_base, float)[:2] - np.asarray(point, float)[:2]))


def support_of(relation: str, destination: SceneObject) -> SceneObject | None:
    return destination if relation in ("on", "in") else None

