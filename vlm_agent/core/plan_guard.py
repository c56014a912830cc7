"""Plan guard: geometric limits on plans (workspace, keep-out zones, speed, forbidden objects,
people). Fails closed: an error is a refusal."""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from .objects import ALLOWED, Plan, Verdict


@dataclass(frozen=True)
class Workspace:
    minimum: tuple[float, float, float] = (0.10, -0.60, -0.02)
    maximum: tuple[float, float, float] = (1.00, 0.60, 0.60)

    def contains(self, point) -> bool:
        point = np.asarray(point, float)
        return bool(np.all(np.isfinite(point)) and np.all(point >= self.minimum) and np.all(point <= self.maximum))


@dataclass
class PlanGuard:
    workspace: Workspace = field(default_factory=Workspace)
    max_speed: float = 0.5
    base_frame: str = "base_link"
    keep_out: tuple[Workspace, ...] = ()        # boxes no step may enter
    person_clearance: float = 0.35              # metres between any step and a person
    near_person: str = "refuse"                 # refuse, or slow (cap speeds at slow_speed)
    slow_speed: float = 0.05
    forbidden_labels: tuple[str, ...] = ("knife", "scissors", "person")

    def check(self, plan: Plan, people=(), object_labels: dict | None = None) -> tuple[Verdict, Plan | None]:
        """(verdict, plan to release): the plan may come back slowed down near people."""
        try:
            return self._check(plan, [np.asarray(p, float) for p in people], object_labels or {})
        except Exception as exc:
            return Verdict(False, "guard_error", 1.0, f"plan guard failed ({exc!r}); refusing", "plan"), None

    def _check(self, plan, people, labels):
        def refuse(category, reason):
            return Verdict(False, category, 1.0, reason, "plan"), None
        if plan.frame_id != self.base_frame:
            return refuse("frame", f"plan is in '{plan.frame_id}', the guard checks '{self.base_frame}' only")
        if not plan.steps:
            return refuse("invalid_input", "plan has no steps")
        near = False
        for index, step in enumerate(plan.steps):
            where = f"step {index + 1} ({step.action})"
            if not self.workspace.contains(step.position):
                x, y, z = step.position
                return refuse("workspace", f"{where} goes to ({x:.2f}, {y:.2f}, {z:.2f}), outside the workspace")
            if any(zone.contains(step.position) for zone in self.keep_out):
                return refuse("keep_out", f"{where} enters a keep-out zone")
            if not 0 < step.max_speed <= self.max_speed:
                return refuse("speed", f"{where} speed {step.max_speed:.2f} m/s exceeds the limit "
                              f"{self.max_speed:.2f} m/s")
            if labels.get(step.object_id, "") in self.forbidden_labels:
                return refuse("forbidden_object", f"{where} handles a {labels[step.object_id]}, which is forbidden")
            for person in people:
                if np.linalg.norm(np.asarray(step.position[:2]) - person[:2]) < self.person_clearance:
                    near = True
                    if self.near_person != "slow":
                        return refuse("person_nearby", f"{where} comes within {self.person_clearance:.2f} m "
                                      "of a person")
        if near:
            slowed = replace(plan, steps=tuple(replace(s, max_speed=min(s.max_speed, self.slow_speed))
                                               for s in plan.steps))
            return Verdict(True, "person_nearby", 0.5, f"a person is within {self.person_clearance:.2f} m of the "
                           f"path: speeds capped at {self.slow_speed:.2f} m/s", "plan"), slowed
        return Verdict(True, ALLOWED, 0.0, "plan within workspace, keep-out zones and speed limits", "plan"), plan


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
