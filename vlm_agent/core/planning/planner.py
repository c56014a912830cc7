"""Grounding results to motion plans and a plain-language explanation of why."""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..perception.objects import STATUS_OK, GroundingResult, Plan, PlanStep, SceneObject
from ..perception.spatial import footprint_radius, where

MOTION_ACTIONS = ("pick", "place", "push", "point_at", "give")


@dataclass(frozen=True)
class PlannerConfig:
    approach_height: float = 0.10   # above the object before descending, metres
    lift_height: float = 0.15       # lift after grasping
    place_gap: float = 0.03         # free space left between placed object and a reference
    push_distance: float = 0.10
    point_height: float = 0.20
    max_speed: float = 0.25         # m/s, free motion
    contact_speed: float = 0.05     # m/s, grasping, placing, pushing
    base_frame: str = "base_link"
    handover_distance: float = 0.6  # a handed object is released this far short of the person's centre, metres
    handover_height: float = 0.25


@dataclass(frozen=True)
class PlanOutcome:
    plan: Plan | None
    explanation: str
    evidence_ids: tuple[str, ...]


def plan_command(result: GroundingResult, command_id: str, config: PlannerConfig = PlannerConfig()) -> PlanOutcome:
    target = result.target.obj if result.target else None
    evidence = tuple(m.obj.id for m in (result.target, result.destination, *result.references) if m is not None)
    if result.status != STATUS_OK:
        return PlanOutcome(None, f"I will not move: {result.message}", tuple(m.obj.id for m in result.candidates))
    if result.action not in MOTION_ACTIONS:
        return PlanOutcome(None, result.answer or result.message or f"{result.action}: nothing to move.", evidence)
    if result.action == "give":
        return _give(result, command_id, config, evidence)
    if target is None or target.center_base is None:
        return PlanOutcome(None, "I will not move: the camera's pose in the robot base frame is unknown, so the "
                           "object's position cannot be turned into a robot motion.", evidence)
    if result.action == "place":
        unmeasured = [o for o in (target, result.destination.obj) if o.size is None]
        if unmeasured:
            return PlanOutcome(None, f"I will not move: the size of the {unmeasured[0].description} was not "
                               "measured (this grounding backend gives positions, not 3D extents), so I cannot "
                               "compute a safe height to release it.", evidence)
    steps = _steps(result, target, config)
    if steps is None:
        return PlanOutcome(None, f"I will not move: the destination's position in {config.base_frame} is unknown.",
                           evidence)
    labels = {m.obj.id: m.obj.label for m in (result.target, result.destination, *result.references) if m}
    steps = tuple(replace(s, object_label=labels.get(s.object_id, "")) for s in steps)
    plan = Plan(command_id, config.base_frame, steps)
    return PlanOutcome(plan, explain(result, plan), evidence)


def _steps(result: GroundingResult, target: SceneObject, c: PlannerConfig) -> list[PlanStep] | None:
    center = np.asarray(target.center_base, float)
    up = np.array([0.0, 0.0, 1.0])
    yaw = target.yaw_base
    if result.action == "point_at" and target.label == "person":  # from where an object would be handed over
        return [PlanStep("point_at", _xyz(handover_position(target, c)), yaw, target.id, "keep", c.max_speed)]
    if result.action == "point_at":
        return [PlanStep("point_at", _xyz(center + c.point_height * up), yaw, target.id, "keep", c.max_speed)]
    if result.action == "push":
        direction = np.array([center[0], center[1], 0.0])
        direction /= max(np.linalg.norm(direction), 1e-6)  # away from the robot
        start = center - (footprint_radius(target) + 0.03) * direction
        return [PlanStep("move_to", _xyz(start + c.approach_height * up), yaw, "", "keep", c.max_speed),
                PlanStep("move_to", _xyz(start), yaw, "", "keep", c.contact_speed),
                PlanStep("push", _xyz(start + c.push_distance * direction), yaw, target.id, "keep", c.contact_speed),
                PlanStep("move_to", _xyz(start + c.push_distance * direction + c.approach_height * up), yaw, "",
                         "keep", c.max_speed)]
    steps = [PlanStep("move_to", _xyz(center + c.approach_height * up), yaw, "", "open", c.max_speed),
             PlanStep("move_to", _xyz(center), yaw, "", "keep", c.contact_speed),
             PlanStep("pick", _xyz(center), yaw, target.id, "close", c.contact_speed),
             PlanStep("move_to", _xyz(center + c.lift_height * up), yaw, target.id, "keep", c.max_speed)]
    if result.action == "place":
        release = place_position(result, target, c)
        if release is None:
            return None
        steps += [PlanStep("move_to", _xyz(release + c.approach_height * up), yaw, target.id, "keep", c.max_speed),
                  PlanStep("place", _xyz(release), yaw, target.id, "open", c.contact_speed),
                  PlanStep("move_to", _xyz(release + c.approach_height * up), yaw, "", "keep", c.max_speed)]
    return steps


def place_position(result: GroundingResult, target: SceneObject, c: PlannerConfig) -> np.ndarray | None:
    """Where the target's centre goes, from the destination and the relation to it."""
    dest = result.destination.obj
    if dest.center_base is None:
        return None
    center = np.asarray(dest.center_base, float)
    half_height = 0.5 * float(target.size[2])
    surface = center[2] - 0.5 * float(dest.size[2])
    if result.destination_relation in ("on", "in"):
        return np.array([center[0], center[1], center[2] + 0.5 * float(dest.size[2]) + half_height + 0.005])
    offset = footprint_radius(dest) + footprint_radius(target) + c.place_gap
    direction = {"left_of": (0, 1), "right_of": (0, -1), "in_front_of": (-1, 0), "behind": (1, 0)}.get(
        result.destination_relation)
    if direction is None:  # "near": beside it, on the side the target comes from
        side = np.asarray(target.center_base[:2]) - center[:2]
        direction = side / max(np.linalg.norm(side), 1e-6)
    xy = center[:2] + offset * np.asarray(direction, float)
    return np.array([xy[0], xy[1], surface + half_height + 0.005])


def handover_position(person: SceneObject, c: PlannerConfig) -> np.ndarray:
    """On the line from the robot base to the person, handover_distance short of their centre."""
    centre = np.asarray(person.center_base, float)
    direction = centre[:2] / max(np.linalg.norm(centre[:2]), 1e-6)
    xy = centre[:2] - c.handover_distance * direction
    return np.array([xy[0], xy[1], c.handover_height])


def _give(result: GroundingResult, command_id: str, c: PlannerConfig, evidence) -> PlanOutcome:
    person = result.destination.obj
    target = result.target.obj if result.target else None
    if person.center_base is None or (target is not None and target.center_base is None):
        return PlanOutcome(None, "I will not move: a position in the robot base frame is unknown.", evidence)
    release = handover_position(person, c)
    held = target.id if target is not None else ""
    steps = _steps(replace(result, action="pick"), target, c) if target is not None else []
    steps += [PlanStep("move_to", _xyz(release), 0.0, held, "keep", c.max_speed),
              PlanStep("place", _xyz(release), 0.0, held, "open", c.contact_speed),
              PlanStep("move_to", _xyz(release + np.array([0.0, 0.0, c.approach_height])), 0.0, "", "keep",
                       c.max_speed)]
    labels = {target.id: target.label} if target is not None else {}
    steps = tuple(replace(s, object_label=labels.get(s.object_id, "")) for s in steps)
    plan = Plan(command_id, c.base_frame, steps)
    what = f"the {target.description} ({target.id})" if target is not None else "what I hold"
    text = (f"I will hand {what} to the {person.description} ({person.id}) at {where(person, plan.frame_id)}, "
            f"releasing it at ({release[0]:.2f}, {release[1]:.2f}, {release[2]:.2f}) m, {c.handover_distance:.2f} m "
            f"short of them. Plan: {len(steps)} steps, at most {max(s.max_speed for s in steps):.2f} m/s; the guard "
            "checks the path keeps its distance from people and the arm slows down near them.")
    return PlanOutcome(plan, text, evidence)


def explain(result: GroundingResult, plan: Plan) -> str:
    target = result.target
    verb = {"pick": "pick up", "place": "move", "push": "push", "point_at": "point at"}[result.action]
    text = (f"I will {verb} the {target.obj.description} ({target.obj.id}, match score {target.score:.2f}) "
            f"at {where(target.obj, plan.frame_id)}")
    if result.destination is not None:
        relation = result.destination_relation.replace("_", " ")
        text += f" and put it {relation} the {result.destination.obj.description} ({result.destination.obj.id})"
    text += f", because {result.rationale or 'it matches the command'}."
    others = [m.obj.description for m in result.candidates if m.obj.id != target.obj.id][:3]
    if others:
        text += f" Other candidates considered: {', '.join(others)}."
    return text + f" Plan: {len(plan.steps)} steps, at most {max(s.max_speed for s in plan.steps):.2f} m/s."


def _xyz(vector) -> tuple[float, float, float]:
    return tuple(float(v) for v in vector)
