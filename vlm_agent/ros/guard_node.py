"""Guard node: the gate on the command path and on the plan path. Nothing passes around it.

command_in -> (check) -> command          plan_proposed -> (check) -> plan
Refusals publish a SafetyVerdict, an Explanation and, for commands, a `refused` GroundingResult.
"""
from __future__ import annotations

from std_msgs.msg import Header

from vlm_agent.core.guard import CommandGuard, PlanGuard, Workspace
from vlm_agent.core.objects import STATUS_ERROR, STATUS_REFUSED, Verdict
from vlm_agent.msg import Command, Explanation, GroundingResult, Plan, SafetyVerdict, Status

from .common import EVENTS_QOS, LATCHED_QOS, AgentNode, run
from .conversions import plan_from_ros, verdict_to_ros


class GuardNode(AgentNode):
    def __init__(self, **node_options):
        super().__init__("guard", **node_options)
        base_frame = self.param("base_frame", "base_link", "Frame plans must be expressed in.")
        lower = self.param("workspace_min", [0.10, -0.60, -0.02], "Workspace lower corner x, y, z in base_frame, m.")
        upper = self.param("workspace_max", [1.00, 0.60, 0.60], "Workspace upper corner x, y, z in base_frame, m.")
        max_speed = self.param("max_speed", 0.5, "Highest end-effector speed a plan may request, m/s.")
        self.command_guard = CommandGuard()
        self.plan_guard = PlanGuard(Workspace(tuple(lower), tuple(upper)), max_speed, base_frame)
        self.command_pub = self.create_publisher(Command, "vlm_agent/command", EVENTS_QOS)
        self.plan_pub = self.create_publisher(Plan, "vlm_agent/plan", EVENTS_QOS)
        self.verdict_pub = self.create_publisher(SafetyVerdict, "vlm_agent/safety_verdict", LATCHED_QOS)
        self.explanation_pub = self.create_publisher(Explanation, "vlm_agent/explanation", EVENTS_QOS)
        self.result_pub = self.create_publisher(GroundingResult, "vlm_agent/grounding", EVENTS_QOS)
        self.create_subscription(Command, "vlm_agent/command_in", self._on_command, EVENTS_QOS)
        self.create_subscription(Plan, "vlm_agent/plan_proposed", self._on_plan, EVENTS_QOS)
        self.report(Status.INFO, "guard ready")

    def _on_command(self, command: Command):
        verdict = self.command_guard.check(command.text)
        if not verdict.allowed:
            status = STATUS_ERROR if verdict.category == "invalid_input" else STATUS_REFUSED  # bad input, not harm
            self.result_pub.publish(GroundingResult(header=self._header(), command_id=command.id,
                                                    command_text=command.text[:500], status=status,
                                                    message=verdict.reason))
        self._publish_verdict(verdict, command.id)
        if not verdict.allowed:
            return
        if self.command_pub.get_subscription_count() == 0:  # never a silent drop
            message = "no grounding node is listening on vlm_agent/command; the command was not processed"
            self.report(Status.ERROR, f"command '{command.id}': {message}")
            self.result_pub.publish(GroundingResult(header=self._header(), command_id=command.id,
                                                    command_text=command.text[:500], status=STATUS_ERROR,
                                                    message=message))
            return
        self.command_pub.publish(command)

    def _on_plan(self, msg: Plan):
        try:
            verdict = self.plan_guard.check(plan_from_ros(msg))
        except Exception as exc:  # a plan the guard cannot read is not released
            verdict = Verdict(False, "guard_error", 1.0, f"unreadable plan ({exc!r})", "plan")
        self._publish_verdict(verdict, msg.command_id)
        if not verdict.allowed:
            return
        if self.plan_pub.get_subscription_count() == 0:
            self.report(Status.ERROR, f"plan '{msg.command_id}' approved but no executor listens on vlm_agent/plan")
        self.plan_pub.publish(msg)

    def _publish_verdict(self, verdict: Verdict, command_id: str):
        header = self._header()
        self.verdict_pub.publish(verdict_to_ros(verdict, command_id, header))
        if not verdict.allowed:
            self.report(Status.WARN, f"{verdict.stage} '{command_id}' refused ({verdict.category}): {verdict.reason}")
            if verdict.category != "invalid_input":  # bad input is explained with the error result
                self.explanation_pub.publish(Explanation(header=header, command_id=command_id, stage="guard",
                                                         text=f"I will not do this. {verdict.reason}"))

    def _header(self) -> Header:
        return Header(stamp=self.get_clock().now().to_msg(), frame_id="")


def main(args=None):
    run(GuardNode, args)


if __name__ == "__main__":
    main()
