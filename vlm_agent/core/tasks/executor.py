"""The executor interface: what the task agent needs from a robot.

A real arm implements TaskExecutor; the built-in simulator (`vlm_agent/core/sim/task_executor.py`)
is the reference implementation. For a MoveIt 2 arm:

* `observe()` returns the latest RGB-D frame (depth registered to colour, CameraInfo intrinsics,
  `base_from_camera` from TF at the image stamp). It must be taken after the call, not cached.
* `execute(plan, cancel)` walks `plan.steps` in order: each `PlanStep.position` is an end-effector
  position in `plan.frame_id` (the base frame), with `yaw` about the vertical. Plan it with
  `MoveGroup` (or `compute_cartesian_path` for the straight `contact_speed` descents) and send the
  trajectory to the `FollowJointTrajectory` action of the arm controller, scaled so the Cartesian
  speed stays under `max_speed`; `gripper` "close"/"open" goes to a `GripperCommand` action. Check
  `cancel` between steps and while waiting: when it is set, cancel the active trajectory goal and
  return `ExecutionReport(False, "halted ...")`. Never run a plan the agent did not hand you.
* `holding()` answers from the gripper (finger width or the GripperCommand result's
  `stalled`/`reached_goal`), `end_effector_position()` from TF (tool frame in the base frame).
* `halt()` stops the arm now (cancel every goal, hold position).
* `people()` lists the people your detector sees ((x, y) in the base frame); the plan guard keeps
  every path clear of them.
* `object_states()` is ground truth where one exists (a simulator); a real robot returns {}.
"""
from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..perception.frame import RGBDFrame
from ..perception.objects import Plan


@dataclass(frozen=True)
class ExecutionReport:
    completed: bool        # every step ran to its end
    message: str           # what happened, in words ("halted at step 3 of 7: canceled")
    log: tuple[str, ...] = ()


class TaskExecutor(ABC):
    """A robot the task agent can observe and move. One task at a time."""

    @abstractmethod
    def observe(self) -> RGBDFrame:
        """A frame taken now (after every motion so far)."""

    @abstractmethod
    def execute(self, plan: Plan, cancel: threading.Event,
                progress: Callable[[str], None] | None = None) -> ExecutionReport:
        """Run an approved plan to its end, or until `cancel` is set (then halt the arm)."""

    @abstractmethod
    def end_effector_position(self) -> np.ndarray:
        """(3,) tool position in the base frame, where the next plan starts (the plan guard needs it)."""

    @abstractmethod
    def holding(self) -> bool:
        """Does the gripper hold something?"""

    @abstractmethod
    def halt(self, reason: str) -> None:
        """Stop moving now."""

    @abstractmethod
    def people(self) -> list:
        """(x, y) base-frame positions of people near the robot, from a people detector; the plan guard
        keeps every path clear of them. Return [] only when the workcell is known to be empty; raise
        InputError when the detector is silent (the step is then refused)."""

    def begin_step(self, index: int, text: str) -> None:
        """Called before each task step (1-based); the simulator injects faults here."""

    def object_states(self) -> dict:
        """name -> {"position_base": [x, y, z], "held": bool}; {} where no ground truth exists."""
        return {}
