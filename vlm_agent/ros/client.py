"""A node that sends commands into the graph and collects everything said about each one.

Used by `vlm-agent demo`, the tests and the benchmark: it waits for the exact messages
that close a command (an explanation, and the plan verdict when a plan was proposed).
"""
from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field

import rclpy
from rclpy.node import Node
from sensor_msgs.msg import Image

from vlm_agent.msg import Command, Explanation, GroundingResult, Plan, SafetyVerdict, SceneState, Status

from .common import EVENTS_QOS, LATCHED_QOS


@dataclass
class CommandTrace:
    command_id: str
    text: str
    sent_at: float
    results: list = field(default_factory=list)
    explanations: list = field(default_factory=list)
    verdicts: list = field(default_factory=list)
    plans: list = field(default_factory=list)
    finished_at: float | None = None

    @property
    def result(self) -> GroundingResult | None:
        return self.results[-1] if self.results else None

    @property
    def plan(self) -> Plan | None:
        return self.plans[-1] if self.plans else None

    @property
    def complete(self) -> bool:
        """The guard's command verdict, the result, an explanation, and the plan verdict when a plan
        was proposed, followed by the released plan or the guard's explanation of its refusal."""
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
        self.command_pub = self.create_publisher(Command, "vlm_agent/command_in", EVENTS_QOS)
        self.create_subscription(GroundingResult, "vlm_agent/grounding", self._collect("results"), EVENTS_QOS)
        self.create_subscription(Explanation, "vlm_agent/explanation", self._collect("explanations"), EVENTS_QOS)
        self.create_subscription(SafetyVerdict, "vlm_agent/safety_verdict", self._collect("verdicts"), LATCHED_QOS)
        self.create_subscription(Plan, "vlm_agent/plan", self._collect("plans"), EVENTS_QOS)
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
        return True

    def wait_for_graph(self, nodes=("guard", "grounding", "planner"), timeout: float = 60.0) -> bool:
        """Until each node has said it is ready and a probe command has come back through
        guard, grounding and planner (so every link between them is matched)."""
        deadline = time.monotonic() + timeout
        def ready():
            said = {s.node.rsplit("/", 1)[-1] for s in self.statuses}
            return set(nodes) <= said and self.command_pub.get_subscription_count() > 0
        if not self.spin_until(ready, timeout):
            return False
        while time.monotonic() < deadline:
            probe = self.send("describe the scene")
            if self.spin_until(lambda: probe.complete, max(0.0, min(3.0, deadline - time.monotonic()))) and \
                    probe.result.status != "error":
                return True
            self.spin_until(lambda: False, 1.0)  # e.g. no camera frame yet: ask again in a second
        return False

    def send(self, text: str, source: str = Command.SOURCE_TEXT) -> CommandTrace:
        command_id = f"{self.get_name()}-{next(self._ids)}"
        trace = CommandTrace(command_id, text, time.perf_counter())
        self.traces[command_id] = trace
        msg = Command(id=command_id, text=text, source=source)
        msg.header.stamp = self.get_clock().now().to_msg()
        self.command_pub.publish(msg)
        return trace

    def run(self, text: str, timeout: float = 20.0) -> CommandTrace:
        trace = self.send(text)
        self.spin_until(lambda: trace.finished_at is not None, timeout)
        return trace


def _stamp_key(msg) -> tuple[int, int]:
    return msg.header.stamp.sec, msg.header.stamp.nanosec


def _keep_newest(by_stamp: dict, frames: int = 20) -> None:
    while len(by_stamp) > frames:
        by_stamp.pop(next(iter(by_stamp)))
