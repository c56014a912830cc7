"""A plan running over time on the simulated arm: the gripper moves at each step's speed and
can be halted between any two control ticks."""
from __future__ import annotations

import numpy as np

from ..errors import InputError
from ..objects import Plan


class PlanExecution:
    """Created by TabletopWorld.start(); call advance(dt) from the control loop."""

    def __init__(self, world, plan: Plan, base_from_frame: np.ndarray | None = None):
        transform = np.eye(4) if base_from_frame is None else np.asarray(base_from_frame, float)
        self.targets = []
        for index, step in enumerate(plan.steps):  # everything is checked before anything moves
            target = transform[:3, :3] @ np.asarray(step.position, float) + transform[:3, 3]
            if not np.all(np.isfinite(target)):
                raise InputError(f"plan step {index + 1} ({step.action}) has a non-finite target")
            if not np.isfinite(step.max_speed) or step.max_speed <= 0:
                raise InputError(f"plan step {index + 1} ({step.action}) has speed {step.max_speed}; it must be > 0")
            self.targets.append(target)
        self.world, self.plan = world, plan
        self.step_index, self.log = 0, []
        self.halted, self.halt_reason = False, ""
        self.step_start = world.gripper_position.copy()

    @property
    def total_steps(self) -> int:
        return len(self.plan.steps)

    @property
    def done(self) -> bool:
        return self.step_index >= self.total_steps

    @property
    def progress(self) -> str:
        if self.halted:
            step = self.plan.steps[min(self.step_index, self.total_steps - 1)]
            return (f"halted at step {self.step_index + 1} of {self.total_steps} ({step.action}): "
                    f"{self.halt_reason}")
        return f"step {min(self.step_index + 1, self.total_steps)} of {self.total_steps}"

    def halt(self, reason: str) -> None:
        """Stop where the gripper is; a held object stays held."""
        if not self.done:
            self.halted, self.halt_reason = True, reason

    def advance(self, dt_s: float) -> bool:
        """Move for dt_s simulated seconds; True once every step has run."""
        budget = dt_s
        while budget > 0 and not self.done and not self.halted:
            step, target = self.plan.steps[self.step_index], self.targets[self.step_index]
            position = self.world.gripper_position
            distance = float(np.linalg.norm(target - position))
            reach = step.max_speed * budget
            if distance > reach:
                self.world.move_gripper(position + (target - position) * (reach / distance))
                return False
            budget -= distance / step.max_speed
            self.world.move_gripper(target)
            self.log.append(self.world.finish_step(step, self.step_start, target))
            self.step_index += 1
            self.step_start = target
            if self.done:
                self.world.plans_executed += 1
        return self.done
