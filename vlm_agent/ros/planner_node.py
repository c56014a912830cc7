"""Planner node: GroundingResult -> proposed Plan (to the guard) + Explanation."""
from __future__ import annotations

import time
from dataclasses import fields

from std_msgs.msg import Header

from vlm_agent.core.perception.objects import STATUS_REFUSED
from vlm_agent.core.planning.planner import PlannerConfig, plan_command
from vlm_agent.core.errors import InputError
from vlm_agent.core.safety.signing import ApprovalVerifier
from vlm_agent.core.settings.nodes import PlannerSettings
from vlm_agent.msg import Explanation, GroundingResult as GroundingResultMsg, Plan, Status

from .common import EVENTS_QOS, run
from .lifecycle import ACTIVE, ManagedNode
from .conversions import approval_problem, grounding_from_ros, plan_to_ros


class PlannerNode(ManagedNode):
    role = "planner"
    settings_class = PlannerSettings

    def __init__(self, **node_options):
        super().__init__("planner", **node_options)

    def configure_node(self):
        self.key, key_problem = self.gate_key()
        if key_problem:
            raise InputError(f"no gate key: {key_problem}; no result could be verified")
        self.verifier = ApprovalVerifier(self.key)
        self.settings_changed(set())
        self.create_subscription(GroundingResultMsg, "vlm_agent/grounding", self._on_result, EVENTS_QOS)
        self.plan_pub = self.create_publisher(Plan, "vlm_agent/plan_proposed", EVENTS_QOS)
        self.explanation_pub = self.create_publisher(Explanation, "vlm_agent/explanation", EVENTS_QOS)

    def activate_node(self):
        self.report(Status.INFO, "planner ready")

    def settings_changed(self, names: set[str]):
        self.config = PlannerConfig(**{f.name: getattr(self.settings, f.name) for f in fields(PlannerConfig)})

    def _on_result(self, msg: GroundingResultMsg):
        if msg.status == STATUS_REFUSED:
            return  # the guard has explained its refusal
        if self.lifecycle_state != ACTIVE:
            self.report(Status.ERROR, f"grounding result for '{msg.command_id}' not planned: planner is "
                        f"{self.lifecycle_state}")
            return
        problem = approval_problem(msg, self.verifier, self.get_clock().now().nanoseconds) if self.key else \
            "no gate key"
        if problem:  # only results signed by the grounding node are planned
            self.report(Status.ERROR, f"grounding result for '{msg.command_id}' ignored: {problem}")
            return
        started = time.perf_counter()
        self.health.saw_input("grounding results", self.now_s())
        try:
            outcome = plan_command(grounding_from_ros(msg), msg.command_id, self.config)
            self.health.latency("plan", (time.perf_counter() - started) * 1000)
        except Exception as exc:
            self.report(Status.ERROR, f"planning failed for '{msg.command_id}': {exc!r}")
            return
        header = Header(stamp=self.get_clock().now().to_msg(), frame_id=self.config.base_frame)
        text, proposed = outcome.explanation, outcome.plan is not None
        if proposed and self.plan_pub.get_subscription_count() == 0:
            text, proposed = f"{text} No guard is listening on vlm_agent/plan_proposed, so the plan is withheld.", False
            self.report(Status.ERROR, f"plan for '{msg.command_id}' withheld: no guard subscribed")
        if proposed:
            self.plan_pub.publish(plan_to_ros(outcome.plan, header))
        self.explanation_pub.publish(Explanation(header=header, command_id=msg.command_id, stage="planner",
                                                 text=text, plan_proposed=proposed,
                                                 evidence_object_ids=list(outcome.evidence_ids)))


def main(args=None):
    run(PlannerNode, args)


if __name__ == "__main__":
    main()
