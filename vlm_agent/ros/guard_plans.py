"""The guard's plan gate: plan_proposed -> only for a command it approved, once, with the objects
grounding named -> whole-path check -> signed plan with a deadline. Part of GuardNode."""
from __future__ import annotations

import time

from vlm_agent.core.perception.objects import Verdict
from vlm_agent.core.runtime.supervision import NOT_EXECUTED
from vlm_agent.msg import Plan, Status

from .conversions import plan_from_ros, plan_to_ros, rgb_from_ros

HOLD_PLAN_S = 1.0  # a plan that overtook its grounding result waits this long for it


class PlanGate:
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
        started = time.perf_counter()
        try:
            verdict, released = self._check_plan(msg)
        except Exception as exc:  # a plan the guard cannot read or check is not released
            verdict, released = Verdict(False, "guard_error", 1.0, f"plan check failed ({exc!r})", "plan"), None
        self.health.latency("plan_check", (time.perf_counter() - started) * 1000)
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
        if not self.active:
            return Verdict(False, "guard_inactive", 1.0, f"the guard is {self.lifecycle_state}: nothing is released",
                           "plan"), None
        if self.failure or self.conflict:
            return Verdict(False, "guard_error", 1.0, self.failure or self.conflict, "plan"), None
        untrusted = [i.problem for i in (self.people_input, self.effector_input)
                     if i.problem and i.problem != "no message yet"]
        if untrusted:
            return Verdict(False, "untrusted_input", 1.0, f"{untrusted[0]}: the plan cannot be checked against "
                           "inputs that may be forged; refusing", "plan"), None
        people_problem = self.people_problem()
        if people_problem and self.people_stale_action != "warn":
            return Verdict(False, "people_detector_down", 1.0, f"{people_problem}: people near the path cannot be "
                           "ruled out; refusing", "plan"), None
        if people_problem:
            self.report(Status.WARN, f"WARNING: {people_problem}; releasing the plan anyway "
                        "(people_stale_action=warn): people near the path are NOT checked")
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
