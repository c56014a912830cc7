"""Planner node: GroundingResult -> proposed Plan (to the guard) + Explanation."""
from __future__ import annotations

from std_msgs.msg import Header

from vlm_agent.core.perception.objects import STATUS_REFUSED
from vlm_agent.core.planning.planner import PlannerConfig, plan_command
from vlm_agent.core.safety.signing import ApprovalVerifier
from vlm_agent.msg import Explanation, GroundingResult as GroundingResultMsg, Plan, Status

from .common import EVENTS_QOS, AgentNode, run
from .conversions import approval_problem, grounding_from_ros, plan_to_ros


class PlannerNode(AgentNode):
    role = "planner"

    def __init__(self, **node_options):
        super().__init__("planner", **node_options)
        defaults = PlannerConfig()
        self.config = PlannerConfig(
            approach_height=self.param("approach_height", defaults.approach_height, "Height above objects before "
                                       "descending, metres."),
            lift_height=self.param("lift_height", defaults.lift_height, "Lift after grasping, metres."),
            place_gap=self.param("place_gap", defaults.place_gap, "Gap left beside a reference object, metres."),
            push_distance=self.param("push_distance", defaults.push_distance, "How far a push moves, metres."),
            point_height=self.param("point_height", defaults.point_height, "Pointing height above objects, metres."),
            max_speed=self.param("max_speed", defaults.max_speed, "Free-motion speed, m/s."),
            contact_speed=self.param("contact_speed", defaults.contact_speed, "Speed near contact, m/s."),
            base_frame=self.param("base_frame", defaults.base_frame, "Frame plans are expressed in."))
        self.key, key_problem = self.gate_key()
        self.verifier = ApprovalVerifier(self.key or b"")
        if key_problem:
            self.ready, self.not_ready_detail = False, f"no gate key: {key_problem}"
            self.report(Status.ERROR, f"{self.not_ready_detail}; no result can be verified, nothing is planned")
        self.create_subscription(GroundingResultMsg, "vlm_agent/grounding", self._on_result, EVENTS_QOS)
        self.plan_pub = self.create_publisher(Plan, "vlm_agent/plan_proposed", EVENTS_QOS)
        self.explanation_pub = self.create_publisher(Explanation, "vlm_agent/explanation", EVENTS_QOS)
        self.report(Status.INFO, "planner ready")
        self.start_heartbeat()

    def _on_result(self, msg: GroundingResultMsg):
        if msg.status == STATUS_REFUSED:
            return  # the guard has explained its refusal
        problem = approval_problem(msg, self.verifier, self.get_clock().now().nanoseconds) if self.key else \
            "no gate key"
        if problem:  # only results signed by the grounding node are planned
            self.report(Status.ERROR, f"grounding result for '{msg.command_id}' ignored: {problem}")
            return
        try:
            outcome = plan_command(grounding_from_ros(msg), msg.command_id, self.config)
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
