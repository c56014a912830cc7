"""The simulator as a TaskExecutor: the reference implementation of the executor interface."""
from __future__ import annotations

import threading
import time
import uuid
from typing import Callable

import numpy as np

from ..perception.frame import RGBDFrame
from ..perception.objects import Plan
from ..tasks.executor import ExecutionReport, TaskExecutor
from .faults import FaultConfig, FaultInjector
from .world import TabletopWorld

TICK_S = 0.02   # control period, simulated seconds


class SimTaskExecutor(TaskExecutor):
    """`speedup`: simulated seconds per wall-clock second (None: as fast as the CPU goes)."""

    def __init__(self, world: TabletopWorld, faults: FaultConfig = FaultConfig(), speedup: float | None = None,
                 lock: threading.Lock | threading.RLock | None = None):
        """`lock`: held around every use of the world (pass the one other threads using it hold)."""
        self.world, self.speedup = world, speedup
        self.faults = FaultInjector(world, faults)
        self._lock = lock or threading.Lock()

    def observe(self) -> RGBDFrame:
        with self._lock:
            rendered = self.world.render()
        camera = self.world.scene.camera
        return RGBDFrame(rendered.rgb, rendered.depth_m, camera.intrinsics, camera.base_from_camera(),
                         key=f"sim-{uuid.uuid4().hex}")  # unique: backends cache their work per frame key

    def execute(self, plan: Plan, cancel: threading.Event,
                progress: Callable[[str], None] | None = None) -> ExecutionReport:
        with self._lock:
            execution = self.world.start(plan)
        logged = 0
        while True:
            if cancel.is_set():
                execution.halt("canceled")
                return ExecutionReport(False, execution.progress, tuple(execution.log))
            with self._lock:
                done = execution.advance(TICK_S)
                for line in execution.log[logged:]:
                    if line.startswith("grasped") and self.faults.slips():
                        self.world._release()
                        execution.log.append(f"{line}, but it slipped out of the gripper")
                    if progress is not None:
                        progress(execution.log[-1])
                logged = len(execution.log)
            if done:
                return ExecutionReport(True, execution.progress, tuple(execution.log))
            if self.speedup:
                time.sleep(TICK_S / self.speedup)

    def end_effector_position(self) -> np.ndarray:
        with self._lock:
            return self.world.gripper_position.copy()

    def holding(self) -> bool:
        with self._lock:
            return self.world.held is not None

    def halt(self, reason: str) -> None:
        """Execution halts between two ticks through `cancel`; the kinematic gripper has no momentum."""

    def people(self) -> list:
        return [tuple(p) for p in self.world.scene.people]

    def begin_step(self, index: int, text: str) -> None:
        with self._lock:
            self.faults.begin_step(index)

    def object_states(self) -> dict:
        with self._lock:
            held = self.world.held_name
            return {s.name: {"position_base": [round(float(v), 4) for v in s.position], "held": s.name == held}
                    for s in self.world.object_states()}
