"""A node that sends commands into the graph and collects everything said about each one.

Used by `vlm-agent demo`, the tests and the benchmark: a command is finished when the guard's
Outcome for it has come and, with it, the messages that outcome implies. When the guard is
silent (no heartbeat for 2 s), the command is finished with a local error saying so.
"""
from __future__ import annotations

import itertools
import time
import uuid
from dataclasses import dataclass, field

import rclpy
from rclpy.action import ActionClient
from rclpy.node import Node
from sensor_msgs.msg import Image

from vlm_agent.action import ExecuteTask
from vlm_agent.msg import (Command, ExecutionStatus, Explanation, GroundingResult, Heartbeat, Outcome, Plan,
                           SafetyVerdict, SceneState, Status)

from vlm_agent.core.runtime.supervision import PeerMonitor

from .common import EVENTS_QOS, HEARTBEAT_QOS, LATCHED_QOS


@dataclass
class CommandTrace:
    command_id: str
    text: str
    sent_at: float
    sent_monotonic: float = 0.0
    results: list = field(default_factory=list)
    explanations: list = field(default_factory=list)
    verdicts: list = field(default_factory=list)
    plans: list = field(default_factory=list)
    outcomes: list = field(default_factory=list)
    executions: list = field(default_factory=list)
    finished_at: float | None = None
    local_error: str = ""  # the guard is down: nobody in the graph can answer
    first_seen: dict = field(default_factory=dict)  # kind of message -> perf_counter() of its first arrival

    @property
    def outcome(self) -> Outcome | None:
        return self.outcomes[0] if self.outcomes else None

    @property
    def status(self) -> str:
        return self.outcome.status if self.outcome else ("error" if self.local_error else "")

    @property
    def message(self) -> str:
        return self.outcome.message if self.outcome else self.local_error

    @property
    def result(self) -> GroundingResult | None:
        return self.results[-1] if self.results else None

    @property
    def plan(self) -> Plan | None:
        return self.plans[-1] if self.plans else None

    @property
    def complete(self) -> bool:
        """The Outcome, and for answers and refusals also the verdicts, result, explanations and
        plan that led to it."""
        if self.local_error:
            return True
        if not self.outcomes:
            return False
        if self.outcome.status not in ("executed", "answered", "refused"):
            return True
        return self._stages_complete

    @property
    def _stages_complete(self) -> bool:
        if not self.results or not self.explanations or not any(v.stage == "command" for v in self.verdicts):
            return False
        if any(e.plan_proposed for e in self.explanations):
            plan_verdicts = [v for v in self.verdicts if v.stage == "plan"]
            if not plan_verdicts:
                return False
            if any(v.allowed for v in plan_verdicts):
                return bool(self.plans)
            return any(e.stage == "guard" for e in self.explanations)  # the refusal's explanation
        return True


@dataclass
class TaskTrace:
    text: str
    feedback: list = field(default_factory=list)   # ExecuteTask.Feedback, in order
    result: object = None                           # ExecuteTask.Result
    error: str = ""                                 # why there is no result

    @property
    def status(self) -> str:
        return self.result.status if self.result is not None else "error"


class AgentClient(Node):
    def __init__(self, name: str = "vlm_agent_client"):
        super().__init__(name)
        self.traces: dict[str, CommandTrace] = {}
        self.statuses: list[Status] = []
        self.scene_state: SceneState | None = None
        # by frame stamp, the newest few: commands answered on one frame share its stamp, and the
        # grounding node draws one image per non-error result, in the order of its results
        self.annotated: dict[tuple[int, int], list[Image]] = {}
        self._drawn_results: dict[tuple[int, int], list[str]] = {}
        self._ids = itertools.count()
        self.session = uuid.uuid4().hex[:6]  # ids stay unique across clients of one name
        # made now, not at the first task: a server drops its answer to a client it has not matched
        # within 100 ms, so the goal path is discovered while the graph comes up
        self._task_client = ActionClient(self, ExecuteTask, "vlm_agent/execute")
        self.not_ready = ""  # what wait_for_graph still missed when it gave up
        self.command_pub = self.create_publisher(Command, "vlm_agent/command_in", EVENTS_QOS)
        self.create_subscription(GroundingResult, "vlm_agent/grounding", self._collect("results"), EVENTS_QOS)
        self.create_subscription(Explanation, "vlm_agent/explanation", self._collect("explanations"), EVENTS_QOS)
        self.create_subscription(SafetyVerdict, "vlm_agent/safety_verdict", self._collect("verdicts"), LATCHED_QOS)
        self.create_subscription(Plan, "vlm_agent/plan", self._collect("plans"), EVENTS_QOS)
        self.create_subscription(Outcome, "vlm_agent/outcome", self._collect("outcomes"), EVENTS_QOS)
        self.create_subscription(ExecutionStatus, "vlm_agent/execution", self._collect("executions"), EVENTS_QOS)
        self.peers = PeerMonitor(started=time.monotonic())
        self.create_subscription(Heartbeat, "vlm_agent/heartbeat", lambda msg: self.peers.saw(
            msg.role, msg.instance_id, msg.node, time.monotonic(), msg.ready, msg.detail), HEARTBEAT_QOS)
        self.create_subscription(Status, "vlm_agent/status", self.statuses.append, LATCHED_QOS)
        self.create_subscription(SceneState, "sim/scene_state", self._on_state, LATCHED_QOS)
        self.create_subscription(Image, "vlm_agent/annotated_image", self._on_annotated, EVENTS_QOS)

    def _collect(self, kind: str):
        def callback(msg):
            if kind == "results" and msg.status not in ("error", "refused"):  # the ones grounding draws
                self._drawn_results.setdefault(_stamp_key(msg), []).append(msg.command_id)
                _keep_newest(self._drawn_results)
            trace = self.traces.get(msg.command_id)
            if trace is not None:
                getattr(trace, kind).append(msg)
                trace.first_seen.setdefault(kind, time.perf_counter())
                if kind == "executions":
                    trace.first_seen.setdefault(f"executions_{msg.state}", time.perf_counter())
                if trace.finished_at is None and trace.complete:
                    trace.finished_at = time.perf_counter()
        return callback

    def _on_state(self, msg: SceneState):
        self.scene_state = msg

    def _on_annotated(self, msg: Image):
        self.annotated.setdefault(_stamp_key(msg), []).append(msg)
        _keep_newest(self.annotated)

    def annotated_image(self, trace: CommandTrace, timeout: float = 5.0) -> Image | None:
        """The annotated image the grounding node drew for this command's frame."""
        if trace.result is None or trace.command_id not in self._drawn_results.get(_stamp_key(trace.result), []):
            return None
        key = _stamp_key(trace.result)
        index = self._drawn_results[key].index(trace.command_id)
        if not self.spin_until(lambda: len(self.annotated.get(key, [])) > index, timeout):
            return None
        return self.annotated[key][index]

    def spin_until(self, condition, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                return False
            rclpy.spin_once(self, timeout_sec=0.02)
            self._check_guard()
        return True

    def _check_guard(self):
        """Commands sent while the guard is silent are answered here: nobody else can."""
        now = time.monotonic()
        problem = self.peers.problem("guard", now)
        if not problem:
            return
        for trace in self.traces.values():
            if trace.finished_at is None and not trace.outcomes and now - trace.sent_monotonic > self.peers.timeout_s:
                trace.local_error = f"no answer: {problem}"
                trace.finished_at = time.perf_counter()

    def wait_for_graph(self, nodes=("guard", "grounding", "planner"), timeout: float = 60.0) -> bool:
        """Until each node has said it is ready and a probe command has come back through
        guard, grounding and planner (so every link between them is matched). When it returns
        False, `not_ready` says what was still missing."""
        deadline = time.monotonic() + timeout
        roles = {"guard", "grounding", "planner"} | ({"executor"} if "sim" in nodes else set()) | \
            ({"people"} if "people" in nodes else set())

        def missing():
            said = {s.node.rsplit("/", 1)[-1] for s in self.statuses}
            problems = [f"nodes not yet ready: {sorted(set(nodes) - said)}"] if set(nodes) - said else []
            problems += [p for p in (self.peers.problem(role, time.monotonic()) for role in sorted(roles)) if p]
            if self.command_pub.get_subscription_count() == 0:
                problems.append("nobody subscribes to vlm_agent/command_in")
            self.not_ready = "; ".join(problems)
            return problems
        if not self.spin_until(lambda: not missing(), timeout):
            return False
        while time.monotonic() < deadline:
            probe = self.send("describe the scene", source="probe")
            if self.spin_until(lambda: probe.complete, max(0.0, min(3.0, deadline - time.monotonic()))) and \
                    probe.status == "answered" and any(v.allowed for v in probe.verdicts):
                self.not_ready = ""
                return True
            self.not_ready = f"probe command not answered: status {probe.status!r}, {probe.message!r}, " \
                f"{len(probe.verdicts)} verdicts, {len(probe.results)} grounding results"
            self.spin_until(lambda: False, 1.0)  # e.g. no camera frame yet: ask again in a second
        return False

    def send(self, text: str, source: str = Command.SOURCE_TEXT, command_id: str | None = None) -> CommandTrace:
        command_id = command_id or f"{self.get_name()}-{self.session}-{next(self._ids)}"
        trace = CommandTrace(command_id, text, time.perf_counter(), sent_monotonic=time.monotonic())
        self.traces[command_id] = trace
        msg = Command(id=command_id, text=text, source=source)
        msg.header.stamp = self.get_clock().now().to_msg()
        self.command_pub.publish(msg)
        return trace

    def run(self, text: str, timeout: float = 20.0) -> CommandTrace:
        trace = self.send(text)
        self.spin_until(lambda: trace.finished_at is not None, timeout)
        return trace

    def run_task(self, text: str, timeout: float = 120.0, source: str = Command.SOURCE_TEXT) -> TaskTrace:
        """Send an ExecuteTask goal to vlm_agent/execute and wait for its result (or the timeout)."""
        trace = TaskTrace(text)
        if not self._task_client.wait_for_server(timeout_sec=min(timeout, 10.0)):
            trace.error = "no ExecuteTask server on vlm_agent/execute"
            return trace
        sent = self._task_client.send_goal_async(ExecuteTask.Goal(text=text, source=source),
                                                 feedback_callback=lambda f: trace.feedback.append(f.feedback))
        if not self.spin_until(sent.done, timeout) or not sent.result().accepted:
            trace.error = "the goal was not accepted"
            return trace
        result = sent.result().get_result_async()
        if not self.spin_until(result.done, timeout):
            trace.error = f"no result within {timeout:.0f} s"
            return trace
        trace.result = result.result().result
        return trace


def _stamp_key(msg) -> tuple[int, int]:
    return msg.header.stamp.sec, msg.header.stamp.nanosec


def _keep_newest(by_stamp: dict, frames: int = 20) -> None:
    while len(by_stamp) > frames:
        by_stamp.pop(next(iter(by_stamp)))
