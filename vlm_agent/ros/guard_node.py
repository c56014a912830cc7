"""Guard node: the gate on the command path and on the plan path, and the graph's supervisor.

command_in -> (stop? -> halt) -> queue -> (check, bounded by a deadline) -> command
plan_proposed -> (check; only for commands it approved, once) -> plan (with deadline and approver)
It follows every approved command through grounding, planning and execution and publishes exactly
one Outcome per command: executed, answered, refused, busy, stopped, halted, not_executed or error
(naming the part of the graph that is down). Every verdict is appended to the audit log.
"""
from __future__ import annotations

import queue
import threading
import time

import numpy as np
from geometry_msgs.msg import PoseStamped
from std_srvs.srv import Trigger

from vlm_agent.core.errors import InputError
from vlm_agent.core.safety.audit import AuditLog, RateLimiter
from vlm_agent.core.settings.nodes import GuardSettings
from vlm_agent.core.runtime.deadline import DeadlineRunner
from vlm_agent.core.safety.signing import ApprovalVerifier
from vlm_agent.core.runtime.supervision import ERROR, CommandTracker
from vlm_agent.msg import (Command, ExecutionStatus, Explanation, GroundingResult, Outcome as OutcomeMsg, People,
                           Plan, SafetyVerdict, Status)

from .common import EVENTS_QOS, LATCHED_QOS, PEOPLE_QOS, run
from .conversions import people_from_ros, point_from_ros
from .guard_checks import build_checks, plan_guard_from
from .guard_commands import CommandGate
from .guard_plans import PlanGate
from .guard_supervision import CommandSupervision
from .lifecycle import ACTIVE, ERROR as LEVEL_ERROR, WARN, Finding, ManagedNode
from .publisher_audit import PublisherAudit
from .trusted_input import TrustedInput


class GuardNode(CommandGate, PlanGate, CommandSupervision, ManagedNode):
    role = "guard"
    settings_class = GuardSettings

    def __init__(self, **node_options):
        super().__init__("guard", **node_options)

    def configure_node(self):
        s = self.settings
        checks = build_checks(self, s)
        self.command_guard, self.failure, self.plan_guard = checks.command_guard, checks.failure, checks.plan_guard
        self.image_guard, self.image_input = checks.image_guard, checks.image_input
        self.key, key_problem = self.gate_key()
        if key_problem:
            self.failure = f"no gate key ({key_problem})"
        if self.failure:
            raise InputError(f"{self.failure}; the guard stays unconfigured and nothing passes it")
        self._apply_settings()
        self.result_verifier = ApprovalVerifier(self.key)
        self.stage_timeout_ns = int(s.stage_timeout_s * 1e9)
        self.audit = AuditLog(s.audit_log)
        self.limiters: dict[str, RateLimiter] = {}
        self.tracker = CommandTracker(s.stage_timeout_s, s.execution_timeout_s)
        self.peers = self.watch_peers()
        self.lock = threading.RLock()
        self.people: list[np.ndarray] = []
        self.detected_people: list[dict] = []  # the latest vlm_agent/People, for commands aimed at a person
        self.people_received_at: float | None = None
        self.effector: tuple[float, float, float] | None = None  # where the path starts
        self.labels: dict[str, dict[str, str]] = {}  # command id -> object id -> label
        self.held_plans: dict[str, tuple[Plan, float]] = {}
        self.scene_summary, self.conflict = "", ""
        self.checking: Command | None = None  # the command whose check is running
        self.reported_problems: dict[str, str] = {}
        # what the gate releases goes through lifecycle publishers: an inactive guard cannot release
        self.command_pub = self.create_lifecycle_publisher(Command, "vlm_agent/command", EVENTS_QOS)
        self.plan_pub = self.create_lifecycle_publisher(Plan, "vlm_agent/plan", EVENTS_QOS)
        self.halt_pub = self.create_publisher(Command, "vlm_agent/halt", EVENTS_QOS)  # stops work in every state
        self.verdict_pub = self.create_publisher(SafetyVerdict, "vlm_agent/safety_verdict", LATCHED_QOS)
        self.explanation_pub = self.create_publisher(Explanation, "vlm_agent/explanation", EVENTS_QOS)
        self.result_pub = self.create_publisher(GroundingResult, "vlm_agent/grounding", EVENTS_QOS)
        self.outcome_pub = self.create_publisher(OutcomeMsg, "vlm_agent/outcome", EVENTS_QOS)
        self.create_subscription(Command, "vlm_agent/command_in", self._on_command_in, EVENTS_QOS)
        self.create_subscription(Plan, "vlm_agent/plan_proposed", self._on_plan, EVENTS_QOS)
        self.create_subscription(GroundingResult, "vlm_agent/grounding", self._on_result, EVENTS_QOS)
        self.create_subscription(Explanation, "vlm_agent/explanation", self._on_explanation, EVENTS_QOS)
        self.create_subscription(ExecutionStatus, "vlm_agent/execution", self._on_execution, EVENTS_QOS)
        self.create_service(Trigger, "vlm_agent/stop", self._on_stop_service)
        self.steady_timer(0.1, self._supervise)  # timeouts go on when sim time stops
        self.people_input = TrustedInput(self, People, "vlm_agent/people", PEOPLE_QOS, self._on_people,
                                         s.people_source)
        self.effector_input = TrustedInput(self, PoseStamped, "robot/end_effector_pose", LATCHED_QOS,
                                           self._on_effector)
        self.publisher_audit = PublisherAudit(self, self.peers, s.people_source)
        self.steady_timer(1.0, self._audit_publishers)
        self.checks = DeadlineRunner("guard-check")
        self.queue: queue.Queue[Command | None] = queue.Queue()
        self.worker = threading.Thread(target=self._work, name="guard-commands", daemon=True)
        self.worker.start()

    def activate_node(self):
        self.report(Status.INFO, f"guard ready (audit log {self.audit.path})")

    def deactivate_node(self):
        with self.lock:  # commands waiting for their check are answered: nothing is released now
            self._publish_outcomes([self.tracker.finish(c.id, ERROR, "the guard was deactivated before it ran",
                                                        c.text) for c in self._drain_queue()])
            self.held_plans.clear()

    def cleanup_node(self):
        self.queue.put(None)
        self.worker.join(timeout=5.0)  # it publishes: let it finish before the publishers go
        self.checks.close()
        self.audit.close()
        self.command_guard = self.image_guard = None

    def settings_changed(self, names: set[str]):
        self._apply_settings()

    def _apply_settings(self):
        s = self.settings
        self.timeout_s, self.plan_deadline_s = s.check_timeout_s, s.plan_deadline_s
        self.max_commands, self.window_s = s.max_commands, s.rate_window_s
        self.plan_guard = plan_guard_from(s)
        self.people_max_age_s, self.people_stale_action = s.people_max_age_s, s.people_stale_action
        if self.image_guard is not None:
            self.image_guard.threshold = s.image_guard_threshold
        for limiter in getattr(self, "limiters", {}).values():
            limiter.max_events, limiter.window_s = s.max_commands, s.rate_window_s

    @property
    def active(self) -> bool:
        return self.lifecycle_state == ACTIVE

    def _drain_queue(self) -> list[Command]:
        drained = []
        while not self.queue.empty():
            item = self.queue.get_nowait()
            if item is not None:
                drained.append(item)
        return drained

    def diagnostic_values(self) -> dict[str, str]:
        if self.lifecycle_state == "unconfigured":
            return {}
        limited = [f"{src} ({limiter.retry_after():.1f} s)" for src, limiter in list(self.limiters.items())
                   if limiter.retry_after() > 0]
        return {"commands waiting": str(self.queue.qsize()), "plans held": str(len(self.held_plans)),
                "rate limited sources": ", ".join(limited) or "none",
                "command guard": "loaded" if self.command_guard else "not loaded",
                "image guard": "loaded" if self.image_guard else "off"}

    def findings(self, now: float) -> list[Finding | None]:
        waiting = self.queue.qsize()
        problem = self.conflict or self._peer_problem()
        return [Finding(WARN, f"{waiting} commands wait for their check (> {self.settings.queue_warn})")
                if waiting > self.settings.queue_warn else None,
                Finding(LEVEL_ERROR, problem) if problem else None]

    # -- the world the plan check needs: people and the effector ----------------------------
    def _on_people(self, msg: People):
        if msg.header.frame_id != self.plan_guard.base_frame:
            self.report(Status.ERROR, f"vlm_agent/people in frame '{msg.header.frame_id}', not "
                        f"'{self.plan_guard.base_frame}': ignored")
            return
        detected = people_from_ros(msg)
        with self.lock:
            self.detected_people = detected
            self.people = [np.array(p["closest_point"]) for p in detected if p["closest_point"] is not None]
            self.people_received_at = time.monotonic()

    def people_problem(self) -> str:
        """'' while the people detector's output is fresh, else why it cannot be relied on."""
        if self.people_received_at is None:
            return "no people detections received on vlm_agent/people (is the people node running?)"
        age = time.monotonic() - self.people_received_at
        if age > self.people_max_age_s:
            return f"the people detector has been silent for {age:.1f} s (limit {self.people_max_age_s:.1f} s)"
        return ""

    def _on_effector(self, msg: PoseStamped):
        position = tuple(point_from_ros(msg.pose.position))
        self.effector = position if msg.header.frame_id == self.plan_guard.base_frame else None

    def _audit_publishers(self):
        self.people_input.recheck()
        self.effector_input.recheck()
        self.publisher_audit.run()


def main(args=None):
    run(GuardNode, args)


if __name__ == "__main__":
    main()
