"""A plan running over time on the simulated arm: the gripper moves at each step's speed and
can be halted between any two control ticks."""
from __future__ import annotations

import numpy as np

from ..errors import InputError
from ..perception.objects import Plan, PlanStep


class PlanExecution:
    """Created by TabletopWorld.start(); call advance(dt) from the control loop."""

    def __init__(self, world, plan: Plan, base_from_frame: np.ndarray | None = None):
        self.targets = _checked_targets(plan, base_from_frame)
        self.world, self.plan = world, plan
        self.step_index, self.log = 0, []
        self.done, self.halted, self.halt_reason = False, False, ""
        self.speed_cap: float | None = None  # separation monitoring: None = none, 0 = hold still
        self.step_start = world.gripper_position.copy()

    @property
    def total_steps(self) -> int:
        return len(self.plan.steps)

    @property
    def progress(self) -> str:
        if self.halted:
            return (f"halted at step {self.step_index + 1} of {self.total_steps} "
                    f"({self.plan.steps[self.step_index].action}): {self.halt_reason}")
        if self.done:
            return f"done: {self.total_steps} of {self.total_steps} steps"
        return f"step {self.step_index + 1} of {self.total_steps}"

    def halt(self, reason: str) -> None:
        """Stop where the gripper is; a held object stays held. No effect once every step has run."""
        if self.step_index < self.total_steps:
            self.halted, self.halt_reason = True, reason

    def advance(self, dt_s: float) -> bool:
        """Move for dt_s simulated seconds; True once every step has run."""
        if self.halted or self.done:
            return self.done
        if self.speed_cap is not None and self.speed_cap <= 0:
            return False
        budget = dt_s
        while budget > 0 and self.step_index < self.total_steps:
            budget = self._travel(budget)
        if self.step_index == self.total_steps:
            self.done = True
            self.world.plans_executed += 1
        return self.done

    def _travel(self, budget_s: float) -> float:
        """Move towards the current target for up to budget_s; returns the time left over."""
        step, target = self.plan.steps[self.step_index], self.targets[self.step_index]
        position = self.world.gripper_position
        distance = float(np.linalg.norm(target - position))
        speed = step.max_speed if self.speed_cap is None else min(step.max_speed, self.speed_cap)
        reach = speed * budget_s
        if distance > reach:
            self.world.move_gripper(position + (target - position) * (reach / distance))
            return 0.0
        self.world.move_gripper(target)
        self.log.append(self.world.finish_step(step, self.step_start, target))
        self.step_index, self.step_start = self.step_index + 1, target
        return budget_s - distance / speed

    def remaining_path(self) -> list[np.ndarray]:
        """Targets not reached yet, in the base frame."""
        return self.targets[self.step_index:]


def _checked_targets(plan: Plan, base_from_frame: np.ndarray | None) -> list[np.ndarray]:
    """Every step's target in the base frame; raises InputError for any bad step."""
    transform = np.eye(4) if base_from_frame is None else np.asarray(base_from_frame, float)
    if transform.shape != (4, 4) or not np.all(np.isfinite(transform)):
        raise InputError(f"base_from_frame must be a finite 4x4 transform, got shape {transform.shape}")
    for index, step in enumerate(plan.steps):
        if not np.all(np.isfinite(step.position)):
            raise InputError(f"plan step {index + 1} ({step.action}) has a non-finite target {step.position}")
        if not np.isfinite(step.max_speed) or step.max_speed <= 0:
            raise InputError(f"plan step {index + 1} ({step.action}) has speed {step.max_speed}; it must be > 0")
    return [transform[:3, :3] @ np.asarray(step.position, float) + transform[:3, 3] for step in plan.steps]


class GripperSteps:
    """What happens when the gripper reaches a step's target, for worlds that implement _push,
    _grasp and _release."""

    def finish_step(self, step: PlanStep, start: np.ndarray, target: np.ndarray) -> str:
        if step.action == "push":
            return self._push(start, target)
        if step.gripper == "close":
            return self._grasp(target)
        if step.gripper == "open":
            return self._release()
        return f"{step.action} to ({target[0]:.3f}, {target[1]:.3f}, {target[2]:.3f})"
