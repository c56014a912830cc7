"""The guard's supervision: it follows every approved command through grounding, planning and
execution (their results, explanations and status, each stage's timeout, a part of the graph that
went down) and publishes exactly one Outcome per command, and every verdict (audited, and explained
when refused). Part of GuardNode."""
from __future__ import annotations

import time

from std_msgs.msg import Header

from vlm_agent.core.perception.objects import Verdict
from vlm_agent.core.runtime.supervision import BUSY, ERROR, NOT_EXECUTED, Outcome
from vlm_agent.msg import ExecutionStatus, Explanation, GroundingResult, Status

from .conversions import approval_problem, attributes_from_ros, outcome_to_ros, verdict_to_ros


class CommandSupervision:
    # -- what the rest of the graph says about each command ---------------------------------
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

    # -- timeouts and parts of the graph that went down -------------------------------------
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

    # -- what the guard tells the graph -----------------------------------------------------
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


def _describe(obj) -> str:
    return f"{attributes_from_ros(obj.attributes).get('color', '')} {obj.label}".strip()
