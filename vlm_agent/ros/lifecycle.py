"""ManagedNode: the lifecycle (rclpy.lifecycle) base of guard, grounding, planner, people and
voice (any node that loads models): subclasses set `settings_class` and implement

    configure_node()   load models and config, create publishers/subscriptions (raise to refuse)
    activate_node()    start processing          deactivate_node()  stop it, free accelerators
    cleanup_node()     release what configure_node made (entities it created are destroyed here)
    findings(now)      extra /diagnostics findings while active; diagnostic_values() extra values

A failed configure leaves the node unconfigured, says why on vlm_agent/status and /diagnostics.
Parameters that are not run-time changeable may be set while the node is unconfigured.
"""
from __future__ import annotations

import traceback

from rclpy.client import Client
from rclpy.clock import JumpThreshold
from rclpy.duration import Duration
from rclpy.lifecycle import LifecycleNode, TransitionCallbackReturn
from rclpy.lifecycle.publisher import LifecyclePublisher
from rclpy.publisher import Publisher
from rclpy.service import Service
from rclpy.subscription import Subscription
from rclpy.timer import Timer

from vlm_agent.core.runtime.health import ERROR, OK, WARN, Finding, summarise
from vlm_agent.msg import Status

from .common import AgentMixin
from .diagnostics import DiagnosticsPublisher

UNCONFIGURED, INACTIVE, ACTIVE, FINALIZED = "unconfigured", "inactive", "active", "finalized"


class ManagedNode(AgentMixin, LifecycleNode):
    settings_class: type = None  # a dataclass from vlm_agent.core.settings

    def __init__(self, name: str, **node_options):
        self._owned: list | None = None
        super().__init__(name, **node_options)
        self.lifecycle_state = UNCONFIGURED
        self.declare_settings(self.settings_class, changeable=lambda: self.lifecycle_state == UNCONFIGURED)
        self.ready, self.not_ready_detail = False, "unconfigured: waiting for the lifecycle manager"
        self.diagnostics = DiagnosticsPublisher(self)
        self._jump = self.get_clock().create_jump_callback(
            JumpThreshold(min_forward=None, min_backward=Duration(nanoseconds=-1)), post_callback=self._on_jump)
        if self.role:
            self.start_heartbeat()

    # -- hooks ------------------------------------------------------------------------------
    def configure_node(self) -> None:
        """Load models and config; create publishers and subscriptions."""

    def activate_node(self) -> None:
        """Start processing."""

    def deactivate_node(self) -> None:
        """Stop processing; free accelerator memory."""

    def cleanup_node(self) -> None:
        """Release what configure_node made beyond its ROS entities (threads, files, models)."""

    def findings(self, now: float) -> list[Finding | None]:
        return []

    def diagnostic_values(self) -> dict[str, str]:
        return {}

    def camera_finding(self, now: float) -> Finding | None:
        """The age of the latest "camera" input (health.saw_input) against the node's FrameAgeSettings:
        WARN when old, ERROR when the camera stopped or stamps lie in the future."""
        s = self.settings
        return self.health.age_finding("camera", now, s.frame_age_warn_s, s.max_frame_age_s, s.max_frame_future_s)

    # -- transitions ------------------------------------------------------------------------
    def on_configure(self, state) -> TransitionCallbackReturn:
        self._owned = []
        try:
            self.require_settings()
            self.configure_node()
        except Exception as exc:  # a node that cannot load stays unconfigured and says why
            self._owned_done()
            self._release()
            detail = f"configure failed: {exc}"
            self.get_logger().debug(traceback.format_exc())
            self.ready, self.not_ready_detail = False, detail
            self.report(Status.ERROR, detail)
            return TransitionCallbackReturn.FAILURE
        self._owned_done()
        self.lifecycle_state = INACTIVE
        self.not_ready_detail = "inactive: configured, waiting for activation"
        self.report(Status.INFO, f"{self.get_name()} configured")
        return super().on_configure(state)

    def on_activate(self, state) -> TransitionCallbackReturn:
        self.lifecycle_state = ACTIVE
        self.ready, self.not_ready_detail = True, ""
        try:
            self.activate_node()
        except Exception as exc:  # stays inactive: processing never started
            self.lifecycle_state, self.ready = INACTIVE, False
            self.not_ready_detail = f"activate failed: {exc}"
            self.report(Status.ERROR, self.not_ready_detail)
            return TransitionCallbackReturn.FAILURE
        self.report(Status.INFO, f"{self.get_name()} active")
        return super().on_activate(state)

    def on_deactivate(self, state) -> TransitionCallbackReturn:
        self.lifecycle_state = INACTIVE
        self.ready, self.not_ready_detail = False, "inactive: deactivated"
        self.deactivate_node()
        self.report(Status.WARN, f"{self.get_name()} deactivated")
        return super().on_deactivate(state)

    def on_cleanup(self, state) -> TransitionCallbackReturn:
        self.cleanup_node()
        self._release()
        self.lifecycle_state = UNCONFIGURED
        self.not_ready_detail = "unconfigured: cleaned up"
        return super().on_cleanup(state)

    def on_shutdown(self, state) -> TransitionCallbackReturn:
        self._wind_down()
        self.lifecycle_state, self.ready, self.not_ready_detail = FINALIZED, False, "finalized"
        return super().on_shutdown(state)

    def on_error(self, state) -> TransitionCallbackReturn:
        self._wind_down()
        self.lifecycle_state, self.ready = UNCONFIGURED, False
        return TransitionCallbackReturn.SUCCESS

    def _wind_down(self) -> None:
        if self.lifecycle_state == ACTIVE:
            self.lifecycle_state = INACTIVE
            self.deactivate_node()
        if self.lifecycle_state == INACTIVE:
            self.cleanup_node()
            self._release()
        self.lifecycle_state = UNCONFIGURED

    def destroy_node(self):
        self.ready = False
        self._stopped.set()  # no heartbeat while winding down
        self._wind_down()
        super().destroy_node()

    # -- entities made while configuring are destroyed on cleanup ---------------------------
    def _record(self, entity):
        if getattr(self, "_owned", None) is not None:
            self._owned.append(entity)
        return entity

    def _owned_done(self) -> None:
        self._entities, self._owned = getattr(self, "_entities", []) + (self._owned or []), None

    def create_publisher(self, *args, **kwargs):
        return self._record(super().create_publisher(*args, **kwargs))

    def create_lifecycle_publisher(self, *args, **kwargs):
        return self._record(super().create_lifecycle_publisher(*args, **kwargs))

    def create_subscription(self, *args, **kwargs):
        return self._record(super().create_subscription(*args, **kwargs))

    def create_service(self, *args, **kwargs):
        return self._record(super().create_service(*args, **kwargs))

    def create_client(self, *args, **kwargs):
        return self._record(super().create_client(*args, **kwargs))

    def create_timer(self, *args, **kwargs):
        return self._record(super().create_timer(*args, **kwargs))

    def _release(self) -> None:
        for entity in reversed(getattr(self, "_entities", [])):
            if isinstance(entity, LifecyclePublisher):
                self.destroy_lifecycle_publisher(entity)
            elif isinstance(entity, Publisher):
                self.destroy_publisher(entity)
            elif isinstance(entity, Subscription):
                self.destroy_subscription(entity)
            elif isinstance(entity, Service):
                self.destroy_service(entity)
            elif isinstance(entity, Client):
                self.destroy_client(entity)
            elif isinstance(entity, Timer):
                self.destroy_timer(entity)
        self._entities = []

    # -- health -----------------------------------------------------------------------------
    def _on_jump(self, jump) -> None:
        if jump.delta.nanoseconds < 0:
            self.health.clock_jumped_back()
            self.report(Status.WARN, f"clock jumped back {-jump.delta.nanoseconds / 1e9:.1f} s (bag loop or "
                        "simulation reset): input history cleared, frames from before the jump are rejected")

    def diagnose(self) -> tuple[Finding, dict[str, str]]:
        now = self.now_s()
        values = {"state": self.lifecycle_state, **self.diagnostic_values(), **self.health.values(now)}
        if self.lifecycle_state != ACTIVE:
            failed = self.not_ready_detail.startswith(("configure failed", "activate failed"))
            return Finding(ERROR if failed else WARN, self.not_ready_detail), values
        findings = self.health.latency_findings(self.settings.latency_warn_ms, self.settings.latency_error_ms)
        if not self.ready and self.not_ready_detail:
            findings.append(Finding(ERROR, self.not_ready_detail))
        return summarise([*findings, *self.findings(now)]), values


__all__ = ["ManagedNode", "OK", "WARN", "ERROR", "Finding", "UNCONFIGURED", "INACTIVE", "ACTIVE"]
