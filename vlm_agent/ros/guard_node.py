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

from vlm_agent.core.audit import AuditLog, RateLimiter
from vlm_agent.core.deadline import DeadlineExceeded, DeadlineRunner
from vlm_agent.core.signing import ApprovalVerifier
from vlm_agent.core.objects import ALLOWED, STATUS_ERROR, STATUS_REFUSED, Verdict
from vlm_agent.core.stop_intent import is_stop_command
from vlm_agent.core.supervision import BUSY, ERROR, NOT_EXECUTED, REFUSED, CommandTracker, Outcome
from vlm_agent.msg import (Command, ExecutionStatus, Explanation, GroundingResult, Outcome as OutcomeMsg, Plan,
                           SafetyVerdict, Status)

from .common import EVENTS_QOS, LATCHED_QOS, AgentNode, run
from .conversions import (approval_problem, outcome_to_ros, plan_from_ros, plan_to_ros, rgb_from_ros, sign_message,
                          verdict_to_ros)
from .guard_checks import declare_checks
from .publisher_audit import PublisherAudit
from .trusted_input import TrustedInput

HOLD_PLAN_S = 1.0  # a plan that overtook its grounding result waits this long for it


class GuardNode(AgentNode):
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

        self.create_service(Trigger, "vlm_agent/stop", self._on_stop_service, callback_group=self.liveliness_group)
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

    # -- commands ---------------------------------------------------------------------------
    def _on_command_in(self, command: Command):
        if is_stop_command(command.text):
            self._stop(command.id, command.text)  # skips the queue and every model
        else:
            self.queue.put(command)

    def _on_stop_service(self, request, response):
        sent = self._stop(f"stop-service-{time.monotonic_ns()}", "stop (vlm_agent/stop service)")
        response.success, response.message = sent, ("halt sent to the executor" if sent else
                                                    self.peers.problem("executor", time.monotonic()))
        return response

    def _stop(self, command_id: str, text: str) -> bool:
        self.halt_pub.publish(Command(header=self._header(), id=command_id, text=text[:500], source="stop"))
        dropped = []
        while not self.queue.empty():
            dropped.append(self.queue.get_nowait())
        reason = f"stopped by '{text[:80]}' before it ran"
        with self.lock:
            self.held_plans.clear()
            outcomes = self.tracker.halt_all(reason)
            outcomes += [self.tracker.finish(c.id, "halted", reason, c.text)
                         for c in dropped + ([self.checking] if self.checking else [])]
            self._publish_verdict(Verdict(True, ALLOWED, 0.0, "stop commands are always released"), command_id, text)
            problem = self.peers.problem("executor", time.monotonic())
            if problem:
                outcomes.append(self.tracker.finish(command_id, ERROR, f"halt sent, but {problem}", text))
            else:
                self.tracker.expect(command_id, text, "stop", time.monotonic(), self.plan_deadline_s)
            self._publish_outcomes(outcomes)
        return not problem

    def _work(self):
        while True:
            command = self.queue.get()
            if command is None:  # the node is being destroyed
                return
            try:
                self._handle_command(command)
            except Exception as exc:  # the worker never dies; the command is answered with the error
                with self.lock:
                    self._publish_outcomes([self.tracker.finish(command.id, ERROR, f"guard failed: {exc!r}",
                                                                command.text)])

    def _handle_command(self, command: Command):
        with self.lock:
            if self.tracker.known(command.id):
                self.report(Status.WARN, f"command id '{command.id}' was used before; this copy is ignored")
                return
            source = command.source or Command.SOURCE_TEXT
            limiter = self.limiters.setdefault(source, RateLimiter(self.max_commands, self.window_s))
            if not limiter.allow():
                wait = limiter.retry_after()
                self.audit.record(stage="command", command_id=command.id, subject=command.text[:500], category="busy")
                self._publish_outcomes([self.tracker.finish(
                    command.id, BUSY, f"Busy: more than {self.max_commands} commands from '{source}' in "
                    f"{self.window_s:.0f} s; try again in {wait:.1f} s.", command.text, wait)])
                return
            self.checking = command
        verdict = self._check_command(command.text)  # outside the lock: plans and stops go on meanwhile
        while not self.peers.settled(time.monotonic()) and self._peer_problem():  # just started: let heartbeats come
            time.sleep(0.05)
        with self.lock:
            self.checking = None
            self._release_command(command, verdict)

    def _release_command(self, command: Command, verdict: Verdict):
        if self.tracker.known(command.id):  # a stop came while it was checked
            return
        self._publish_verdict(verdict, command.id, command.text)
        if not verdict.allowed:
            status = STATUS_ERROR if verdict.category == "invalid_input" else STATUS_REFUSED  # bad input, not harm
            self.result_pub.publish(self._signed(GroundingResult(
                header=self._header(), command_id=command.id, command_text=command.text[:500], status=status,
                message=verdict.reason)))
            self._publish_outcomes([self.tracker.finish(command.id, REFUSED if status == STATUS_REFUSED else ERROR,
                                                        verdict.reason, command.text)])
            return
        now = time.monotonic()
        problem = self.conflict or self._peer_problem()
        if problem:
            self._publish_outcomes([self.tracker.finish(command.id, ERROR, f"not processed: {problem}",
                                                        command.text)])
            return
        self.tracker.expect(command.id, command.text, "grounding", now)
        self.command_pub.publish(self._signed(Command(header=command.header, id=command.id, text=command.text,
                                                      source=command.source)))

    def _peer_problem(self) -> str:
        now = time.monotonic()
        return self.peers.problem("grounding", now) or self.peers.problem("planner", now)

    def _signed(self, msg, valid_for_ns: int | None = None):
        return sign_message(msg, self.key, valid_for_ns or self.stage_timeout_ns, self.get_clock().now().nanoseconds)

    def _check_command(self, text: str) -> Verdict:
        if self.failure:
            return Verdict(False, "guard_error", 1.0, self.failure)
        if self.conflict:
            return Verdict(False, "guard_error", 1.0, f"{self.conflict}; refusing until only one guard runs")
        try:
            return self.checks.call(self.timeout_s, self.command_guard.check, text)
        except DeadlineExceeded:
            return Verdict(False, "guard_timeout", 1.0, f"the guard check did not finish within {self.timeout_s} s; "
                           "refusing")

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

    # -- plans ------------------------------------------------------------------------------
    def _on_plan(self, msg: Plan):
        with self.lock:
            stage = self.tracker.stage(msg.command_id)
            if stage == "grounding":  # the plan overtook its grounding result: wait for the labels
                self.held_plans[msg.command_id] = (msg, time.monotonic() + HOLD_PLAN_S)
            elif stage in ("planner", "plan_check"):
                self._check_and_release(msg)
            else:
                self._publish_verdict(Verdict(False, "unknown_command", 1.0, f"plan for command '{msg.command_id}', "
                                              "which is not awaiting a plan (never approved, refused, or already "
                                              "answered)", "plan"), msg.command_id, f"plan with {len(msg.steps)} steps")

    def _check_and_release(self, msg: Plan):
        try:
            verdict, released = self._check_plan(msg)
        except Exception as exc:  # a plan the guard cannot read or check is not released
            verdict, released = Verdict(False, "guard_error", 1.0, f"plan check failed ({exc!r})", "plan"), None
        self._publish_verdict(verdict, msg.command_id, f"plan with {len(msg.steps)} steps")
        now = time.monotonic()
        if released is None:
            self._publish_outcomes([self.tracker.on_plan_verdict(msg.command_id, False, verdict.reason, now, 0.0)])
            return
        problem = self.peers.problem("executor", now)
        if problem:
            self._publish_outcomes([self.tracker.finish(msg.command_id, NOT_EXECUTED, f"plan approved but {problem}")])
            return
        out = plan_to_ros(released, msg.header)
        out.approved_by = self.instance_id
        self.tracker.on_plan_verdict(msg.command_id, True, verdict.reason, now, self.plan_deadline_s)
        self.plan_pub.publish(self._signed(out, int(self.plan_deadline_s * 1e9)))

    def _check_plan(self, msg: Plan) -> tuple[Verdict, object]:
        if self.failure or self.conflict:
            return Verdict(False, "guard_error", 1.0, self.failure or self.conflict, "plan"), None
        untrusted = [i.problem for i in (self.people_input, self.effector_input)
                     if i.problem and i.problem != "no message yet"]
        if untrusted:
            return Verdict(False, "untrusted_input", 1.0, f"{untrusted[0]}: the plan cannot be checked against "
                           "inputs that may be forged; refusing", "plan"), None
        labels = self.labels.get(msg.command_id)
        if labels is None:
            return Verdict(False, "guard_error", 1.0, "no grounding result for this plan's command, so the objects "
                           "it handles cannot be checked; refusing", "plan"), None
        plan = plan_from_ros(msg)
        unbound = next((s for s in plan.steps if s.object_id and labels.get(s.object_id, "") != s.object_label), None)
        if unbound is not None:
            return Verdict(False, "binding", 1.0, f"plan step {unbound.action} handles '{unbound.object_id}' labelled "
                           f"'{unbound.object_label}', but the grounding result has "
                           f"'{labels.get(unbound.object_id, 'no such object')}'; refusing", "plan"), None
        verdict, released = self.plan_guard.check(plan, self.people, labels, self.effector)
        if released is None or self.image_guard is None:
            return verdict, released
        frame = self.image_input.synced
        if frame is None:
            return Verdict(False, "guard_error", 1.0, "no camera image for the image guard; refusing", "plan"), None
        image_verdict = self.image_guard.check_image(rgb_from_ros(frame.rgb))
        return (verdict, released) if image_verdict.allowed else (image_verdict, None)

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
    color = next((a.split("=", 1)[1] for a in obj.attributes if a.startswith("color=")), "")
    return f"{color} {obj.label}".strip()


def main(args=None):
    run(GuardNode, args)


if __name__ == "__main__":
    main()
