"""Base class of the graph's executor: the simulator, and real robot drivers, subclass it.

It acts only on plans with a valid guard approval (signature, expiry, single use) from the one
guard it hears, re-checks hard limits itself, runs plans one after another from a 50 Hz control
loop, halts at once on vlm_agent/halt, reports every plan's fate on vlm_agent/execution and
its end effector on robot/end_effector_pose. A task agent in the same process (which holds both
guards itself) hands its approved plans in with execute_in_process: they run the same way. Speed and separation monitoring (separation_watch.py)
caps the running plan's speed, or holds it still, while people detected on vlm_agent/people are
near the arm or its remaining path, or while the people detector is silent.

A driver implements two methods:
    start_plan(plan: core.objects.Plan) -> execution   (raise InputError to refuse)
    end_effector_position() -> (x, y, z) in base_frame
where execution offers advance(dt_s) -> bool (True when done), halt(reason), remaining_path(), and the
attributes halted, step_index, total_steps, log, progress and speed_cap (None, a cap in m/s, or 0 =
hold still; see core/sim/execution.py).
"""
from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from collections import deque
from typing import Callable

from geometry_msgs.msg import PoseStamped
from std_msgs.msg import Header

from vlm_agent.core.errors import InputError
from vlm_agent.core.safety.plan_guard import ExecutionLimits, Workspace
from vlm_agent.core.safety.signing import ApprovalVerifier
from vlm_agent.msg import Command, ExecutionStatus, Explanation, Plan, Status

from .common import EVENTS_QOS, LATCHED_QOS, AgentNode
from .conversions import approval_problem, plan_from_ros, pose_stamped
from .separation_watch import SeparationWatch

CONTROL_PERIOD_S = 0.02
FINAL_STATES = ("succeeded", "halted", "rejected")


class PlanExecutorNode(AgentNode, ABC):
    role = "executor"

    def __init__(self, name: str, **node_options):
        super().__init__(name, **node_options)
        s = self.settings
        self.base_frame, self.speedup = s.base_frame, s.speedup
        self.limits = ExecutionLimits(Workspace(tuple(s.workspace_min), tuple(s.workspace_max)), s.max_speed,
                                      s.max_steps, s.max_plan_duration_s)
        self.key, self.key_problem = self.gate_key()
        self.verifier = ApprovalVerifier(self.key or b"")
        self.peers = self.watch_peers()
        self.lock = threading.RLock()
        self.running, self.running_id, self.reported_step, self.waiting = None, "", -1, deque()
        self.watchers: dict[str, Callable[[str, str], None]] = {}  # in-process plans: command_id -> on_update
        self.execution_pub = self.create_publisher(ExecutionStatus, "vlm_agent/execution", EVENTS_QOS)
        self.effector_pub = self.create_publisher(PoseStamped, "robot/end_effector_pose", LATCHED_QOS)
        self.explanation_pub = self.create_publisher(Explanation, "vlm_agent/explanation", EVENTS_QOS)
        self.separation = SeparationWatch(self)
        self.create_subscription(Plan, "vlm_agent/plan", self._on_plan, EVENTS_QOS)
        self.create_subscription(Command, "vlm_agent/halt", self._on_halt, EVENTS_QOS)
        self.create_timer(CONTROL_PERIOD_S, self._step, clock=self.control_clock())

    @abstractmethod
    def start_plan(self, plan):
        """Begin executing an approved core Plan; return an object with advance(dt) and halt()."""

    @abstractmethod
    def end_effector_position(self):
        """The gripper's current position in the base frame (x, y, z)."""

    def control_clock(self):
        """The clock that paces the control loop: the node clock (sim time under use_sim_time, e.g.
        Gazebo's /clock). A simulator that is itself the time source returns the steady clock."""
        return self.get_clock()

    def plan_finished(self, state: str) -> None:
        """Called after a plan succeeded or was halted (e.g. to publish a new scene state)."""

    def _on_plan(self, msg: Plan):
        rejection = self._rejection(msg)
        if rejection:
            self._publish_execution(msg.command_id, "rejected", f"plan not executed: {rejection}")
            self.report(Status.ERROR, f"plan '{msg.command_id}' on vlm_agent/plan not executed: {rejection}")
            return
        self._queue(plan_from_ros(msg))

    def execute_in_process(self, plan, on_update: Callable[[str, str], None]) -> None:
        """Queue a core Plan that a guard in this process approved; `on_update(state, message)` hears
        its vlm_agent/execution reports, the last one with state succeeded, halted or rejected."""
        with self.lock:
            self.watchers[plan.command_id] = on_update
            self._queue(plan)

    def halt_plan(self, command_id: str, reason: str) -> None:
        with self.lock:
            if self.running is not None and self.running_id == command_id and not self.running.halted:
                self.running.halt(reason)  # the control loop finishes it
                self._publish_execution(command_id, "halted", self.running.progress)
            elif any(p.command_id == command_id for p in self.waiting):
                self.waiting = deque(p for p in self.waiting if p.command_id != command_id)
                self._publish_execution(command_id, "halted", f"dropped before it started: {reason}")

    def idle(self) -> bool:
        with self.lock:
            return self.running is None and not self.waiting

    def _queue(self, plan):
        with self.lock:
            self.waiting.append(plan)
            ahead = len(self.waiting) - 1 + (self.running is not None)
        self._publish_execution(plan.command_id, "executing", f"accepted, {ahead} plan(s) ahead")

    def _rejection(self, msg: Plan) -> str:
        if self.key is None:
            return f"no gate key to verify it ({self.key_problem})"
        if len(msg.steps) > self.limits.max_steps:  # before the signature: cheap, and bounds the work
            return f"it has {len(msg.steps)} steps (limit {self.limits.max_steps})"
        problem = approval_problem(msg, self.verifier, self.get_clock().now().nanoseconds)
        if problem:
            return problem
        guards = self.peers.alive("guard", time.monotonic())
        if len(guards) != 1:
            return f"{len(guards)} guards are running on these topics; exactly one must release plans"
        if msg.approved_by != guards[0].instance_id:
            return f"it was released by '{msg.approved_by[:8]}', not by the running guard"
        if msg.header.frame_id != self.base_frame:
            return f"it is in frame '{msg.header.frame_id}', not '{self.base_frame}'"
        return self.limits.problem(plan_from_ros(msg), self.end_effector_position())

    def _step(self):
        with self.lock:
            if self.running is None and self.waiting:
                self._start(self.waiting.popleft())
            self._watch_people()
            if self.running is None:
                return
            finished = self.running.advance(CONTROL_PERIOD_S * self.speedup)
            self._publish_effector()
            if finished or self.running.halted:
                self._finish()
            elif self.running.step_index != self.reported_step:
                self.reported_step = self.running.step_index
                self._publish_execution(self.running_id, "executing", self.running.progress)

    def _watch_people(self):
        state, changed = self.separation.check(self.end_effector_position(), self.running)
        if changed:
            level = Status.INFO if state.speed_cap is None and not state.reason.startswith("WARNING") else Status.WARN
            self.report(level, f"separation: {state.reason}")
            if self.running is not None:
                self._publish_execution(self.running_id, "executing", f"{self.running.progress}; {state.reason}")
                self.explanation_pub.publish(Explanation(
                    header=Header(stamp=self.get_clock().now().to_msg(), frame_id=self.base_frame),
                    command_id=self.running_id, stage="executor", text=state.reason[:1000]))
        if self.running is not None and not self.running.halted and self.separation.paused_too_long():
            self.running.halt(f"held still for over {self.separation.max_pause_s:.0f} s ({state.reason})")
            self._publish_execution(self.running_id, "halted", self.running.progress)

    def _start(self, plan):
        problem = self.limits.problem(plan, self.end_effector_position())  # the arm may have moved since
        try:
            if problem:
                raise InputError(problem)
            self.running, self.running_id, self.reported_step = self.start_plan(plan), plan.command_id, -1
        except InputError as exc:
            self._publish_execution(plan.command_id, "rejected", f"plan not executed: {exc}")

    def _finish(self):
        execution, command_id = self.running, self.running_id
        self.running = None
        if not execution.halted:  # a halt is reported by _on_halt, at once
            self._publish_execution(command_id, "succeeded", "; ".join(execution.log))
            self.report(Status.INFO, f"executed plan '{command_id}': {'; '.join(execution.log)}")
        self.plan_finished("halted" if execution.halted else "succeeded")

    def _on_halt(self, msg: Command):
        with self.lock:
            halted = []
            if self.running is not None and not self.running.halted:
                self.running.halt(f"'{msg.text[:80]}'")  # the control loop finishes it
                self._publish_execution(self.running_id, "halted", self.running.progress)
                halted.append(self.running_id)
            while self.waiting:
                dropped = self.waiting.popleft()
                self._publish_execution(dropped.command_id, "halted", f"dropped before it started: '{msg.text[:80]}'")
                halted.append(dropped.command_id)
        summary = f"stopped plan(s) {', '.join(halted)}" if halted else "stopped; nothing was moving"
        self._publish_execution(msg.id, "succeeded", summary)
        self.report(Status.WARN, f"halt '{msg.id}': {summary}")

    def _publish_effector(self):
        header = Header(stamp=self.get_clock().now().to_msg(), frame_id=self.base_frame)
        self.effector_pub.publish(pose_stamped(header, self.end_effector_position()))

    def _publish_execution(self, command_id: str, state: str, message: str):
        msg = ExecutionStatus(command_id=command_id, state=state, message=message[:1000])
        msg.header.stamp = self.get_clock().now().to_msg()
        if self.running is not None and command_id == self.running_id:
            msg.step, msg.total_steps = self.running.step_index, self.running.total_steps
        self.execution_pub.publish(msg)
        with self.lock:
            watcher = self.watchers.pop(command_id, None) if state in FINAL_STATES else self.watchers.get(command_id)
        if watcher is not None:
            watcher(state, message)
