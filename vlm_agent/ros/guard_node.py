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
from geometry_msgs.msg import PoseArray, PoseStamped
from std_msgs.msg import Header
from std_srvs.srv import Trigger

from vlm_agent.core.safety.audit import AuditLog, RateLimiter
from vlm_agent.core.runtime.deadline import DeadlineRunner
from vlm_agent.core.safety.signing import ApprovalVerifier
from vlm_agent.core.perception.objects import Verdict
from vlm_agent.core.runtime.supervision import BUSY, ERROR, NOT_EXECUTED, CommandTracker, Outcome
from vlm_agent.msg import (Command, ExecutionStatus, Explanation, GroundingResult, Outcome as OutcomeMsg, Plan,
                           SafetyVerdict, Status)

from .common import EVENTS_QOS, LATCHED_QOS, AgentNode, run
from .conversions import approval_problem, attributes_from_ros, outcome_to_ros, verdict_to_ros
from .guard_checks import declare_checks
from .guard_commands import CommandGate
from .guard_plans import PlanGate
from .publisher_audit import PublisherAudit
from .trusted_input import TrustedInput

class GuardNode(CommandGate, PlanGate, AgentNode):
    role = "guard"

    def __init__(self, **node_options):
        super().__init__("guard", **node_options)
        checks = declare_checks(self)
        self.command_guard, self.failure, self.plan_guard = checks.command_guard, checks.failure, checks.plan_guard
        self.image_guard, self.image_input = checks.image_guard, checks.image_input
        self.timeout_s = self.param("check_timeout_s", 0.5, "A command check that has not answered within this "
                                    "time is refused (the wait is bounded).")
        self.plan_deadline_s = self.param("plan_deadline_s", 2.0, "An approved plan must be taken up by the "
                                          "executor within this time, s; executors ignore it afterwards.")
        stage_timeout = self.param("stage_timeout_s", 15.0, "Longest wait for grounding or planning of one "
                                   "command before it is answered with an error, s.")
        execution_timeout = self.param("execution_timeout_s", 60.0, "Longest silence of the executor while it "
                                       "runs a plan, s.")
        audit_path = self.param("audit_log", "~/.vlm_agent/guard_audit.jsonl", "Append-only JSON-lines audit log.")
        self.max_commands = int(self.param("max_commands", 20, "Commands accepted per rate_window_s from one "
                                           "source; more are answered busy."))
        self.window_s = float(self.param("rate_window_s", 10.0, "Rate-limit window, seconds."))
        self.key, key_problem = self.gate_key()
        self.failure = self.failure or (f"no gate key ({key_problem}); refusing every command" if key_problem else "")
        self.result_verifier = ApprovalVerifier(self.key or b"")
        self.stage_timeout_ns = int(stage_timeout * 1e9)
        self.audit = AuditLog(audit_path)
        self.limiters: dict[str, RateLimiter] = {}
        self.tracker = CommandTracker(stage_timeout, execution_timeout)
        self.peers = self.watch_peers()
        self.lock = threading.RLock()
        self.people: list[np.ndarray] = []
        self.effector: tuple[float, float, float] | None = None  # where the path starts
        self.labels: dict[str, dict[str, str]] = {}  # command id -> object id -> label
        self.held_plans: dict[str, tuple[Plan, float]] = {}
        self.scene_summary, self.conflict = "", ""
        self.checking: Command | None = None  # the command whose check is running
        self.reported_problems: dict[str, str] = {}
        self.command_pub = self.create_publisher(Command, "vlm_agent/command", EVENTS_QOS)
        self.halt_pub = self.create_publisher(Command, "vlm_agent/halt", EVENTS_QOS)
        self.plan_pub = self.create_publisher(Plan, "vlm_agent/plan", EVENTS_QOS)
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
        self.create_timer(0.1, self._supervise)
        self.people_source = self.param("people_source", "", "Fully qualified name of the node whose people "
                                        "detections the guard trusts ('' = any single publisher).")
        self.people_input = TrustedInput(self, PoseArray, "people", LATCHED_QOS, self._on_people, self.people_source)
        self.effector_input = TrustedInput(self, PoseStamped, "robot/end_effector_pose", LATCHED_QOS,
                                           self._on_effector)
        self.publisher_audit = PublisherAudit(self, self.peers, self.people_source)
        self.create_timer(1.0, self._audit_publishers)
        self.checks = DeadlineRunner("guard-check")
        self.queue: queue.Queue[Command | None] = queue.Queue()
        self.worker = threading.Thread(target=self._work, name="guard-commands", daemon=True)
        self.worker.start()
        if self.failure:
            self.ready, self.not_ready_detail = False, self.failure
            self.report(Status.ERROR, self.failure)
        self.report(Status.INFO, f"guard ready (audit log {self.audit.path})")
        self.start_heartbeat()

    # -- what the rest of the graph says ----------------------------------------------------
    def _on_people(self, msg: PoseArray):
        self.people = [np.array([p.position.x, p.position.y, p.position.z]) for p in msg.poses]

    def _on_effector(self, msg: PoseStamped):
        p = msg.pose.position
        self.effector = (p.x, p.y, p.z) if msg.header.frame_id == self.plan_guard.base_frame else None

    def _on_result(self, msg: GroundingResult):
        problem = approval_problem(msg, self.result_verifier, self.get_clock().now().nanoseconds) if self.key else \
            "no gate key"
        if problem:
            self.report(Status.ERROR, f"grounding result for '{msg.command_id}' ignored: {problem}")
            return
        with self.lock:
            objects = [*msg.target, *msg.destination, *msg.references, *msg.candidates]
            self.labels[msg.command_id] = {o.id: o.label for o in objects}
            while len(self.labels) > 1000:
                self.labels.pop(next(iter(self.labels)))
            if msg.candidates:
                self.scene_summary = ", ".join(sorted({_describe(o) for o in msg.candidates}))
            self._publish_outcomes([self.tracker.on_result(msg.command_id, msg.status, msg.message, time.monotonic())])
            held = self.held_plans.pop(msg.command_id, None)
            if held is not None:
                self._check_and_release(held[0])

    def _on_explanation(self, msg: Explanation):
        if msg.stage != "planner":
            return
        with self.lock:
            self._publish_outcomes([self.tracker.on_explanation(msg.command_id, msg.plan_proposed, msg.text,
                                                                time.monotonic())])

    def _on_execution(self, msg: ExecutionStatus):
        with self.lock:
            self._publish_outcomes([self.tracker.on_execution(msg.command_id, msg.state, msg.message,
                                                              time.monotonic())])

    # -- supervision ------------------------------------------------------------------------
    def _supervise(self):
        now = time.monotonic()
        with self.lock:
            others = [p for p in self.peers.alive("guard", now) if p.instance_id != self.instance_id]
            conflict = (f"another guard ({', '.join(p.node for p in others)}) is on the same topics"
                        if others else "")
            if conflict != self.conflict:
                self.conflict = conflict
                if conflict:
                    self.report(Status.ERROR, f"{conflict}: two graphs share one ROS domain? Refusing everything")
            problems = {role: self.peers.problem(role, now) for role in ("grounding", "planner", "executor")}
            for role, problem in problems.items():  # say each new doubling once, before any command meets it
                if "instances" in problem and self.reported_problems.get(role) != problem:
                    self.report(Status.ERROR, f"{problem}: two graphs share one ROS domain?")
            self.reported_problems = problems
            outcomes = self.tracker.overdue(now) + self.tracker.abandoned(problems)
            for command_id, (msg, deadline) in list(self.held_plans.items()):
                if now > deadline:
                    del self.held_plans[command_id]
                    self._check_and_release(msg)  # without labels: refused
            self._publish_outcomes(outcomes)

    def _audit_publishers(self):
        self.people_input.recheck()
        self.effector_input.recheck()
        self.publisher_audit.run()

    def _publish_outcomes(self, outcomes: list[Outcome | None]):
        for outcome in filter(None, outcomes):
            header = self._header()
            self.outcome_pub.publish(outcome_to_ros(outcome, header))
            if outcome.status in (ERROR, NOT_EXECUTED, BUSY, "halted"):
                self.explanation_pub.publish(Explanation(header=header, command_id=outcome.command_id,
                                                         stage="guard", text=outcome.message))
                level = Status.WARN if outcome.status in (BUSY, "halted") else Status.ERROR
                self.report(level, f"command '{outcome.command_id}' {outcome.status}: {outcome.message}")

    def _publish_verdict(self, verdict: Verdict, command_id: str, subject: str):
        header = self._header()
        self.verdict_pub.publish(verdict_to_ros(verdict, command_id, header))
        self.audit.record(stage=verdict.stage, command_id=command_id, subject=subject[:500], scene=self.scene_summary,
                          **verdict.as_dict())
        if not verdict.allowed:
            self.report(Status.WARN, f"{verdict.stage} '{command_id}' refused ({verdict.category}): {verdict.reason}")
            if verdict.category != "invalid_input":  # bad input is explained with the error result
                self.explanation_pub.publish(Explanation(header=header, command_id=command_id, stage="guard",
                                                         text=f"I will not do this. {verdict.reason}"))

    def _header(self) -> Header:
        return Header(stamp=self.get_clock().now().to_msg(), frame_id="")

    def destroy_node(self):
        self.queue.put(None)
        self.worker.join(timeout=5.0)  # it publishes: let it finish before the publishers go
        self.checks.close()
        self.audit.close()
        super().destroy_node()


def _describe(obj) -> str:
    return f"{attributes_from_ros(obj.attributes).get('color', '')} {obj.label}".strip()


def main(args=None):
    run(GuardNode, args)


if __name__ == "__main__":
    main()
