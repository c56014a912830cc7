"""Guard node: the gate on the command path and on the plan path. Nothing passes around it.

command_in -> (check) -> command          plan_proposed -> (check) -> plan
Refusals publish a SafetyVerdict, an Explanation and, for commands, a `refused` GroundingResult.
Every verdict is appended to the audit log. A guard that cannot load refuses everything.
"""
from __future__ import annotations

import time

import numpy as np
from geometry_msgs.msg import PoseArray
from std_msgs.msg import Header

from vlm_agent.core.audit import AuditLog, RateLimiter
from vlm_agent.core.guard import CommandGuard, PlanGuard, Workspace, load_guard_config
from vlm_agent.core.objects import STATUS_ERROR, STATUS_REFUSED, Verdict
from vlm_agent.msg import Command, Explanation, GroundingResult, Plan, SafetyVerdict, Status

from .common import EVENTS_QOS, LATCHED_QOS, AgentNode, run
from .conversions import plan_from_ros, plan_to_ros, rgb_from_ros, verdict_to_ros
from .image_input import RGBDInput


class GuardNode(AgentNode):
    def __init__(self, **node_options):
        super().__init__("guard", **node_options)
        base_frame = self.param("base_frame", "base_link", "Frame plans must be expressed in.")
        lower = self.param("workspace_min", [0.10, -0.60, -0.02], "Workspace lower corner x, y, z in base_frame, m.")
        upper = self.param("workspace_max", [1.00, 0.60, 0.60], "Workspace upper corner x, y, z in base_frame, m.")
        max_speed = self.param("max_speed", 0.5, "Highest end-effector speed a plan may request, m/s.")
        zones = self.param("keep_out_zones", [0.0], "Boxes no plan step may enter: 6 floats each (min x, y, z, "
                           "max x, y, z) in base_frame; [0.0] = none.")
        clearance = self.param("person_clearance", 0.35, "Distance a plan keeps from people on the people topic, m.")
        near_person = self.param("near_person", "refuse", "refuse, or slow (cap speeds at slow_speed) near people.")
        slow_speed = self.param("slow_speed", 0.05, "Speed cap near people in slow mode, m/s.")
        forbidden = self.param("forbidden_labels", ["knife", "scissors", "person"],
                               "Object categories a plan may never handle.")
        config_path = self.param("guard_config", "", "Guard rules and examples ('' = config/guard.yaml).")
        use_embedding = self.param("use_embedding_guard", True, "Run the sentence-embedding layer.")
        self.timeout_s = self.param("check_timeout_s", 0.5, "A command check slower than this is refused.")
        audit_path = self.param("audit_log", "~/.vlm_agent/guard_audit.jsonl", "Append-only JSON-lines audit log.")
        image_model = self.param("image_guard_model_path", "", "ShieldGemma 2 weights to check the camera image "
                                 "before releasing a plan ('' = off).")
        image_threshold = self.param("image_guard_threshold", 0.5, "ShieldGemma 2 'Yes' probability that refuses.")
        rate = self.param("max_commands", 20, "Commands accepted per rate_window_s; more are refused.")
        window = self.param("rate_window_s", 10.0, "Rate-limit window, seconds.")
        self.command_guard, self.failure = None, ""
        try:
            self.command_guard = CommandGuard(load_guard_config(config_path or None, embedding=use_embedding))
        except Exception as exc:  # fail closed: without a guard every command is refused
            self.failure = f"guard unavailable ({exc}); refusing every command"
        self.image_guard, self.image_input = None, None
        if image_model:
            try:
                from vlm_agent.core.guard_models import ShieldGemma2
                self.image_guard = ShieldGemma2(image_model, threshold=image_threshold)
            except Exception as exc:  # fail closed: plans need the image guard it was configured with
                self.failure = f"image guard unavailable ({exc}); refusing every command and plan"
            self.image_input = RGBDInput(self, "auto", 0.05, use_depth=False)
        keep_out = tuple(Workspace(tuple(zones[i:i + 3]), tuple(zones[i + 3:i + 6]))
                         for i in range(0, len(zones) - 5, 6)) if len(zones) >= 6 else ()
        self.plan_guard = PlanGuard(Workspace(tuple(lower), tuple(upper)), max_speed, base_frame, keep_out,
                                    clearance, near_person, slow_speed, tuple(forbidden))
        self.audit = AuditLog(audit_path)
        self.limiter = RateLimiter(int(rate), float(window))
        self.people: list[np.ndarray] = []
        self.labels: dict[str, dict[str, str]] = {}  # command id -> object id -> label
        self.scene_summary = ""
        self.command_pub = self.create_publisher(Command, "vlm_agent/command", EVENTS_QOS)
        self.plan_pub = self.create_publisher(Plan, "vlm_agent/plan", EVENTS_QOS)
        self.verdict_pub = self.create_publisher(SafetyVerdict, "vlm_agent/safety_verdict", LATCHED_QOS)
        self.explanation_pub = self.create_publisher(Explanation, "vlm_agent/explanation", EVENTS_QOS)
        self.result_pub = self.create_publisher(GroundingResult, "vlm_agent/grounding", EVENTS_QOS)
        self.create_subscription(Command, "vlm_agent/command_in", self._on_command, EVENTS_QOS)
        self.create_subscription(Plan, "vlm_agent/plan_proposed", self._on_plan, EVENTS_QOS)
        self.create_subscription(GroundingResult, "vlm_agent/grounding", self._on_result, EVENTS_QOS)
        self.create_subscription(PoseArray, "people", self._on_people, LATCHED_QOS)
        if self.failure:
            self.report(Status.ERROR, self.failure)
        self.report(Status.INFO, f"guard ready (audit log {self.audit.path})")

    def _on_people(self, msg: PoseArray):
        self.people = [np.array([p.position.x, p.position.y, p.position.z]) for p in msg.poses]

    def _on_result(self, msg: GroundingResult):
        objects = [*msg.target, *msg.destination, *msg.references, *msg.candidates]
        self.labels[msg.command_id] = {o.id: o.label for o in objects}
        while len(self.labels) > 100:
            self.labels.pop(next(iter(self.labels)))
        if msg.candidates:
            self.scene_summary = ", ".join(sorted({_describe(o) for o in msg.candidates}))

    def _check_command(self, text: str) -> Verdict:
        if self.command_guard is None:
            return Verdict(False, "guard_error", 1.0, self.failure)
        if not self.limiter.allow():
            return Verdict(False, "rate_limit", 1.0, f"Refused: more than {self.limiter.max_events} commands in "
                           f"{self.limiter.window_s:.0f} s.")
        start = time.monotonic()
        verdict = self.command_guard.check(text)
        if verdict.allowed and time.monotonic() - start > self.timeout_s:
            return Verdict(False, "guard_timeout", 1.0, f"guard check took longer than {self.timeout_s} s; refusing")
        return verdict

    def _on_command(self, command: Command):
        verdict = self._check_command(command.text)
        if not verdict.allowed:
            status = STATUS_ERROR if verdict.category == "invalid_input" else STATUS_REFUSED  # bad input, not harm
            self.result_pub.publish(GroundingResult(header=self._header(), command_id=command.id,
                                                    command_text=command.text[:500], status=status,
                                                    message=verdict.reason))
        self._publish_verdict(verdict, command.id, command.text)
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

    def _check_plan(self, msg: Plan) -> tuple[Verdict, object]:
        if self.failure:
            return Verdict(False, "guard_error", 1.0, self.failure, "plan"), None
        verdict, released = self.plan_guard.check(plan_from_ros(msg), self.people, self.labels.get(msg.command_id))
        if released is None or self.image_guard is None:
            return verdict, released
        frame = self.image_input.synced
        if frame is None:
            return Verdict(False, "guard_error", 1.0, "no camera image for the image guard; refusing", "plan"), None
        image_verdict = self.image_guard.check_image(rgb_from_ros(frame.rgb))
        return (verdict, released) if image_verdict.allowed else (image_verdict, None)

    def _on_plan(self, msg: Plan):
        try:
            verdict, released = self._check_plan(msg)
        except Exception as exc:  # a plan the guard cannot read or check is not released
            verdict, released = Verdict(False, "guard_error", 1.0, f"plan check failed ({exc!r})", "plan"), None
        self._publish_verdict(verdict, msg.command_id, f"plan with {len(msg.steps)} steps")
        if released is None:
            return
        if self.plan_pub.get_subscription_count() == 0:
            self.report(Status.ERROR, f"plan '{msg.command_id}' approved but no executor listens on vlm_agent/plan")
        self.plan_pub.publish(plan_to_ros(released, msg.header))

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
        self.audit.close()
        super().destroy_node()


def _describe(obj) -> str:
    color = next((a.split("=", 1)[1] for a in obj.attributes if a.startswith("color=")), "")
    return f"{color} {obj.label}".strip()


def main(args=None):
    run(GuardNode, args)


if __name__ == "__main__":
    main()
