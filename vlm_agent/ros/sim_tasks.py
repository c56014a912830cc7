"""The graph's simulator as a TaskExecutor, so the sim node serves the ExecuteTask action on the
world the rest of the graph sees: the agent observes the sim's own camera, and its approved plans
run through the node's control loop, under the executor's limits, speed and separation monitoring
and vlm_agent/halt, like plans the guard node releases. People come from the trusted people
detector (vlm_agent/people), as for the guard: while it is silent no plan is approved."""
from __future__ import annotations

import threading
import time
import uuid
from dataclasses import replace
from typing import Callable

from vlm_agent.core.errors import InputError
from vlm_agent.core.perception.frame import RGBDFrame
from vlm_agent.core.perception.objects import Plan
from vlm_agent.core.sim.task_executor import SimTaskExecutor
from vlm_agent.core.tasks.executor import ExecutionReport

from .executor import FINAL_STATES

WAIT_S = 0.02


class GraphSimExecutor(SimTaskExecutor):
    def __init__(self, node):
        super().__init__(node.world, lock=node.lock)
        self.node = node

    def observe(self) -> RGBDFrame:
        """After every motion so far: plans released on the topic path finish first."""
        deadline = time.monotonic() + self.node.limits.max_duration_s
        while not self.node.idle():
            if time.monotonic() > deadline:
                raise InputError("the arm has been busy with other plans for too long to look at the scene")
            time.sleep(WAIT_S)
        return super().observe()

    def execute(self, plan: Plan, cancel: threading.Event,
                progress: Callable[[str], None] | None = None) -> ExecutionReport:
        plan = replace(plan, command_id=f"task-{uuid.uuid4().hex[:12]}")
        done, final, log = threading.Event(), [], []

        def on_update(state: str, message: str):
            log.append(message)
            if progress is not None:
                progress(message)
            if state in FINAL_STATES:
                final.append(state)
                done.set()
        self.node.execute_in_process(plan, on_update)
        halted = False
        while not done.wait(WAIT_S):
            if cancel.is_set() and not halted:
                self.node.halt_plan(plan.command_id, "canceled")
                halted = True
        return ExecutionReport(final == ["succeeded"] and not cancel.is_set(), log[-1] if log else "", tuple(log))

    def people(self) -> list:
        watch = self.node.separation
        if watch.config.on_stale == "halt" and watch.monitor.stale(time.monotonic()):
            raise InputError(f"the people detector ({self.node.settings.people_source}) is silent on "
                             "vlm_agent/people: people near the path cannot be ruled out")
        return [tuple(p[:2]) for p in watch.monitor.people]
