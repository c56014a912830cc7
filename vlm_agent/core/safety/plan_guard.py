"""Plan guard: geometric limits on plans (workspace, keep-out zones, speed, forbidden objects,
people). Fails closed: an error is a refusal."""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from ..perception.objects import ALLOWED, Plan, Verdict


@dataclass(frozen=True)
class Workspace:
    minimum: tuple[float, float, float] = (0.10, -0.60, -0.02)
    maximum: tuple[float, float, float] = (1.00, 0.60, 0.60)

    def contains(self, point) -> bool:
        point = np.asarray(point, float)
        return bool(np.all(np.isfinite(point)) and np.all(point >= self.minimum) and np.all(point <= self.maximum))


def segment_point_distance_2d(start, end, point) -> float:
    """Distance in the xy plane from a point (a standing person) to the segment start-end."""
    a, b, p = (np.asarray(v, float)[:2] for v in (start, end, point))
    direction = b - a
    length2 = float(direction @ direction)
    t = 0.0 if length2 == 0 else float(np.clip((p - a) @ direction / length2, 0.0, 1.0))
    return float(np.linalg.norm(a + t * direction - p))


def segment_hits_box(start, end, box: Workspace, radius: float) -> bool:
    """Does a sphere of `radius` swept along start-end touch the box? (slab test on the inflated box)"""
    a, b = np.asarray(start, float), np.asarray(end, float)
    low, high = np.asarray(box.minimum) - radius, np.asarray(box.maximum) + radius
    direction, t0, t1 = b - a, 0.0, 1.0
    for axis in range(3):
        if abs(direction[axis]) < 1e-12:
            if not low[axis] <= a[axis] <= high[axis]:
                return False
            continue
        near, far = sorted(((low[axis] - a[axis]) / direction[axis], (high[axis] - a[axis]) / direction[axis]))
        t0, t1 = max(t0, near), min(t1, far)
        if t0 > t1:
            return False
    return True


@dataclass
class PlanGuard:
    """Checks the whole path: every segment from the end effector's current position through each
    step, swept by the gripper (and what it holds), against the workspace, keep-out boxes, people,
    speed limits and forbidden or hazardous objects."""
    workspace: Workspace = field(default_factory=Workspace)
    max_speed: float = 0.5
    base_frame: str = "base_link"
    keep_out: tuple[Workspace, ...] = ()        # boxes no part of the path may enter
    person_clearance: float = 0.35              # metres between the swept path and a person
    near_person: str = "refuse"                 # refuse, or slow (cap speeds at slow_speed)
    slow_speed: float = 0.05
    forbidden_labels: tuple[str, ...] = ("knife", "scissors", "person")
    sweep_radius: float = 0.06                  # gripper plus a held object, metres
    hazardous_labels: tuple[str, ...] = ("knife", "scissors", "blade", "glass", "hot", "saw")
    hazard_clearance: float = 0.8               # how far a hazardous object is carried from people

    def check(self, plan: Plan, people=(), object_labels: dict | None = None,
              start=None) -> tuple[Verdict, Plan | None]:
        """(verdict, plan to release): the plan may come back slowed down near people. `start` is
        the end effector's current position; without it the first move cannot be checked."""
        try:
            return self._check(plan, [np.asarray(p, float) for p in people], object_labels or {}, start)
        except Exception as exc:
            return Verdict(False, "guard_error", 1.0, f"plan guard failed ({exc!r}); refusing", "plan"), None

    def _check(self, plan, people, labels, start):
        def refuse(category, reason):
            return Verdict(False, category, 1.0, reason, "plan"), None
        if plan.frame_id != self.base_frame:
            return refuse("frame", f"plan is in '{plan.frame_id}', the guard checks '{self.base_frame}' only")
        if not plan.steps:
            return refuse("invalid_input", "plan has no steps")
        if start is None or not np.all(np.isfinite(np.asarray(start, float))):
            return refuse("guard_error", "the end effector's position is unknown (no robot/end_effector_pose), so "
                          "the first move cannot be checked")
        near, position, held = False, np.asarray(start, float), ""
        for index, step in enumerate(plan.steps):
            where = f"step {index + 1} ({step.action})"
            target = np.asarray(step.position, float)
            if not self.workspace.contains(target):
                x, y, z = target
                return refuse("workspace", f"{where} goes to ({x:.2f}, {y:.2f}, {z:.2f}), outside the workspace")
            if any(segment_hits_box(position, target, zone, self.sweep_radius) for zone in self.keep_out):
                return refuse("keep_out", f"the move to {where} passes through a keep-out zone")
            if not 0 < step.max_speed <= self.max_speed:
                return refuse("speed", f"{where} speed {step.max_speed:.2f} m/s exceeds the limit "
                              f"{self.max_speed:.2f} m/s")
            label = labels.get(step.object_id, "")
            if label in self.forbidden_labels and step.action != "point_at":  # pointing handles nothing
                return refuse("forbidden_object", f"{where} handles a {label}, which is forbidden")
            clearance = self.person_clearance + self.sweep_radius
            if held in self.hazardous_labels:
                clearance = max(clearance, self.hazard_clearance)
            for person in people:
                if segment_point_distance_2d(position, target, person) < clearance:
                    if held in self.hazardous_labels:
                        return refuse("hazard_near_person", f"the move to {where} carries a {held} within "
                                      f"{clearance:.2f} m of a person")
                    near = True
                    if self.near_person != "slow":
                        return refuse("person_nearby", f"the move to {where} comes within "
                                      f"{self.person_clearance:.2f} m of a person")
            if step.gripper == "close":
                held = label
            elif step.gripper == "open":
                held = ""
            position = target
        if near:
            slowed = replace(plan, steps=tuple(replace(s, max_speed=min(s.max_speed, self.slow_speed))
                                               for s in plan.steps))
            return Verdict(True, "person_nearby", 0.5, f"a person is within {self.person_clearance:.2f} m of the "
                           f"path: speeds capped at {self.slow_speed:.2f} m/s", "plan"), slowed
        return Verdict(True, ALLOWED, 0.0, "the whole path stays within the workspace, keep-out zones, speed "
                       "limits and clear of people", "plan"), plan


@dataclass(frozen=True)
class ExecutionLimits:
    """Hard limits an executor re-checks itself, whatever the guard approved (defence in depth)."""
    workspace: Workspace = field(default_factory=Workspace)
    max_speed: float = 0.5
    max_steps: int = 50
    max_duration_s: float = 120.0

    def problem(self, plan: Plan, start) -> str:
        """'' when the plan is within every limit, else the first one it breaks."""
        if not 0 < len(plan.steps) <= self.max_steps:
            return f"it has {len(plan.steps)} steps (allowed 1 to {self.max_steps})"
        duration, position = 0.0, np.asarray(start, float)
        for index, step in enumerate(plan.steps):
            target = np.asarray(step.position, float)
            if not self.workspace.contains(target):
                return f"step {index + 1} leaves the executor's workspace"
            if not 0 < step.max_speed <= self.max_speed:
                return f"step {index + 1} asks for {step.max_speed:.2f} m/s (limit {self.max_speed:.2f})"
            duration += float(np.linalg.norm(target - position)) / step.max_speed
            position = target
        if duration > self.max_duration_s:
            return f"it would take {duration:.0f} s (limit {self.max_duration_s:.0f} s)"
        return ""
