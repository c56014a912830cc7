"""Ground one task step on a fresh frame. A step decomposed from a quantifier or a tower names its
object by a phrase and the place it was seen; the object must still fit the phrase there (or be the
only unclaimed one that fits, if someone moved it). A plain step is grounded honestly:
not_found and ambiguous stop the task."""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..perception.grounding import Grounder, rationale
from ..perception.objects import (STATUS_AMBIGUOUS, STATUS_NOT_FOUND, STATUS_OK, GroundingResult, Match,
                                  SceneObject)
from .steps import ObjectRef, TaskStep

ANCHOR_RADIUS_M = 0.06   # an anchored object is still "the same" within this of where it was seen
CLAIMED_RADIUS_M = 0.05
STACKED_LOOKS = {"cube": ("box",), "box": ("cube",), "cylinder": ("box", "cylinder"), "sphere": ("cylinder", "box")}


def ground_step(grounder: Grounder, objects: list[SceneObject], step: TaskStep,
                claimed: list[tuple[float, float, float]], held: SceneObject | None = None) -> GroundingResult:
    """`claimed`: positions of objects other steps of the task are about (never taken by mistake).
    `held`: the object in the gripper when the step's target is it."""
    common = {"action": step.action, "command_text": step.text}
    if held is not None:
        target, note = Match(held, 1.0, step.target.words), "it is the object in the gripper"
    else:
        status, target, note = resolve_ref(grounder, step.target, objects, claimed)
        if status != STATUS_OK:
            return GroundingResult(status, f"{step.target.words}: {note}", candidates=_candidates(target), **common)
    if step.destination is None:
        return GroundingResult(STATUS_OK, f"Found the {target.obj.description}.", target=target,
                               candidates=(target,), rationale=note, **common)
    others = [o for o in objects if o is not target.obj]
    status, destination, dest_note = resolve_ref(grounder, step.destination, others, [], remembered=True)
    if status != STATUS_OK:
        return GroundingResult(status, f"Destination {step.destination.words}: {dest_note}", target=target,
                               candidates=_candidates(destination), **common)
    return GroundingResult(STATUS_OK, f"Found the {target.obj.description} and the {destination.obj.description}.",
                           target=target, destination=destination, destination_relation=step.relation,
                           candidates=(target,), rationale=note, **common)


def resolve_ref(grounder: Grounder, ref: ObjectRef, objects: list[SceneObject], claimed,
                remembered: bool = False) -> tuple:
    """(status, Match or candidates, why). `remembered`: a support may be taken as it was seen (or
    predicted) when the camera shows it merged with what stands on it."""
    if ref.anchor is None:
        resolution = grounder.resolve(ref.phrase, objects)
        stacked = _stacked_looks(grounder, ref, objects) if resolution.status == STATUS_NOT_FOUND else []
        if len(stacked) == 1:
            return STATUS_OK, stacked[0], (f"the only {ref.phrase.color} object that looks like a {ref.words} standing "
                                           f"on something (the camera sees it down to the table)")
        if resolution.status != STATUS_OK:
            return resolution.status, resolution.matches, resolution.message
        return STATUS_OK, resolution.matches[0], _why(ref.phrase, resolution.matches)
    matches = grounder.matches(ref.phrase, objects)
    matches += [m for m in _stacked_looks(grounder, ref, objects) if all(m.obj is not n.obj for n in matches)]
    matches = [m for m in matches if m.obj.center_base is not None]
    near = sorted((m for m in matches if _xy(m.obj.center_base, ref.anchor) < ANCHOR_RADIUS_M),
                  key=lambda m: _xy(m.obj.center_base, ref.anchor))
    if near:
        return STATUS_OK, near[0], f"it is the {ref.words} seen at ({ref.anchor[0]:.2f}, {ref.anchor[1]:.2f})"
    merged = merged_support(ref, objects) if remembered else None
    if merged is not None:
        return STATUS_OK, Match(ref.seen, 1.0, ref.words), (f"the camera sees the {ref.words} merged with what stands "
                                                            f"on it (the {merged.description}); using where I saw it")
    free = [m for m in matches if all(_xy(m.obj.center_base, c) > CLAIMED_RADIUS_M for c in claimed)]
    if len(free) == 1:
        where = free[0].obj.center_base
        return STATUS_OK, free[0], (f"the {ref.words} is no longer at ({ref.anchor[0]:.2f}, {ref.anchor[1]:.2f}); "
                                    f"it moved to ({where[0]:.2f}, {where[1]:.2f})")
    if not free:
        return STATUS_NOT_FOUND, tuple(matches), (f"the {ref.words} is no longer at ({ref.anchor[0]:.2f}, "
                                                  f"{ref.anchor[1]:.2f}) and I see no other one")
    return STATUS_AMBIGUOUS, tuple(free), (f"the {ref.words} is no longer at ({ref.anchor[0]:.2f}, "
                                           f"{ref.anchor[1]:.2f}) and {len(free)} others could be it")


def _stacked_looks(grounder: Grounder, ref: ObjectRef, objects) -> list[Match]:
    """Objects of the phrase's colour that look as the phrase's shape does when it stands on something:
    the camera sees a stacked object down to the table, so a cube on a cube looks like a tall box."""
    if ref.phrase.color is None or ref.phrase.category not in STACKED_LOOKS:
        return []
    by_colour = grounder.matches(replace(ref.phrase, category=None, noun=""), objects)
    return [m for m in by_colour if m.obj.label in STACKED_LOOKS[ref.phrase.category] and m.obj.center_base is not None
            and m.obj.center_base[2] - 0.5 * m.obj.size[2] < 0.01 and m.obj.size[2] > 1.3 * min(m.obj.size[:2])]


def merged_support(ref: ObjectRef, objects: list[SceneObject]) -> SceneObject | None:
    """A perceived object over the remembered support, in its colour or with its top where the
    support's top is: the support with something merged into it (the embedded perception joins
    touching objects of similar colour)."""
    seen = ref.seen
    if seen is None or seen.center_base is None or seen.size is None:
        return None
    seen_top = float(seen.center_base[2] + 0.5 * seen.size[2])
    radius = 0.5 * float(max(seen.size[:2]))
    for obj in objects:
        if obj.center_base is None or obj.size is None or _xy(obj.center_base, seen.center_base) > radius:
            continue
        top = float(obj.center_base[2] + 0.5 * obj.size[2])
        if (obj.color == seen.color and top >= seen_top - 0.01) or abs(top - seen_top) < 0.015:
            return obj
    return None


def _why(phrase, matches) -> str:
    return rationale(phrase, matches[0], matches, ())


def _candidates(found) -> tuple[Match, ...]:
    if isinstance(found, Match):
        return (found,)
    return tuple(found or ())


def _xy(a, b) -> float:
    return float(np.linalg.norm(np.asarray(a, float)[:2] - np.asarray(b, float)[:2]))
