"""What every node shares: settings as parameters, QoS profiles, status reports, heartbeats,
/diagnostics, main()."""
from __future__ import annotations

import faulthandler
import signal
import sys
import threading
import time
import traceback
import uuid

import rclpy
from rcl_interfaces.msg import ParameterDescriptor
from rclpy.clock import Clock, ClockType
from rclpy.executors import ExternalShutdownException
from rclpy.node import Node
from rclpy.qos import DurabilityPolicy, HistoryPolicy, QoSProfile, ReliabilityPolicy

from vlm_agent.core.errors import InputError
from vlm_agent.core.safety.signing import load_or_create_key
from vlm_agent.core.runtime.health import ERROR, Finding, NodeHealth, summarise
from vlm_agent.core.runtime.supervision import PeerMonitor
from vlm_agent.core.settings.schema import SettingsError
from vlm_agent.msg import Heartbeat, Status

from .diagnostics import DiagnosticsPublisher
from .parameters import NodeSettings

RELIABILITY = {"reliable": ReliabilityPolicy.RELIABLE, "best_effort": ReliabilityPolicy.BEST_EFFORT}

# commands, results, plans, explanations, outcomes: every message matters. Reliable keep-last
# overwrites unacknowledged samples once the history is full, so the depth holds any burst the
# guard's rate limit lets through many times over (200 commands in 14 ms were measured to drop
# 189 at depth 10).
EVENTS_DEPTH = 1000
EVENTS_QOS = QoSProfile(depth=EVENTS_DEPTH, reliability=ReliabilityPolicy.RELIABLE,
                        durability=DurabilityPolicy.VOLATILE)
# status, verdicts, camera pose: late joiners get the latest; deep for bursts of verdicts
LATCHED_QOS = QoSProfile(depth=EVENTS_DEPTH, reliability=ReliabilityPolicy.RELIABLE,
                         durability=DurabilityPolicy.TRANSIENT_LOCAL)
# liveliness: only the newest heartbeat of each node matters
HEARTBEAT_QOS = QoSProfile(depth=10, reliability=ReliabilityPolicy.RELIABLE, durability=DurabilityPolicy.VOLATILE)
HEARTBEAT_PERIOD_S = 0.5
# people detections: only the newest matters; reliable + transient local so late joiners get it
PEOPLE_QOS = QoSProfile(depth=1, reliability=ReliabilityPolicy.RELIABLE, durability=DurabilityPolicy.TRANSIENT_LOCAL)


def sensor_qos(reliability: str) -> QoSProfile:
    """Latest frame only (depth 1)."""
    if reliability not in RELIABILITY:
        raise ValueError(f"image_reliability must be one of {sorted(RELIABILITY)}, got '{reliability}'")
    return QoSProfile(depth=1, history=HistoryPolicy.KEEP_LAST, reliability=RELIABILITY[reliability],
                      durability=DurabilityPolicy.VOLATILE)


class AgentMixin:
    """Node with settings declared from its schema, a status topic shared by the whole graph, a
    health record for /diagnostics and, for nodes with a role (guard, grounding, planner,
    executor), a heartbeat on vlm_agent/heartbeat. Mixed into Node (AgentNode) and LifecycleNode
    (ManagedNode in lifecycle.py)."""

    role = ""

    def __init__(self, name: str, **node_options):
        super().__init__(name, **node_options)
        self._status_pub = self.create_publisher(Status, "vlm_agent/status", LATCHED_QOS)
        self.instance_id = uuid.uuid4().hex
        self.health = NodeHealth()
        self.settings_store: NodeSettings | None = None

        self.ready, self.not_ready_detail = True, ""
        if self.role:
            self._heartbeat_pub = self.create_publisher(Heartbeat, "vlm_agent/heartbeat", HEARTBEAT_QOS)
        self._stopped = threading.Event()
        self._heartbeat_thread: threading.Thread | None = None

    def start_heartbeat(self) -> None:
        """Call at the end of __init__, when the node can do its work. The heartbeat has a thread of
        its own, so a long model call in a callback does not silence the node (not a second executor
        thread: rclpy's multi-threaded executor crashes when a callback destroys a subscription)."""
        self._heartbeat_thread = threading.Thread(target=self._beat_until_destroyed, daemon=True)
        self._heartbeat_thread.start()

    def _beat_until_destroyed(self):
        while True:
            msg = Heartbeat(node=self.get_fully_qualified_name(), role=self.role, instance_id=self.instance_id,
                            ready=self.ready, detail=self.not_ready_detail)
            msg.header.stamp = self.get_clock().now().to_msg()
            try:
                self._heartbeat_pub.publish(msg)
            except Exception:  # the context was shut down (Ctrl-C) before the node was destroyed
                return
            if self._stopped.wait(HEARTBEAT_PERIOD_S):
                return

    def destroy_node(self):
        self._stopped.set()
        if self._heartbeat_thread is not None:
            self._heartbeat_thread.join(timeout=2.0)
        super().destroy_node()

    def declare_settings(self, settings_class, changeable=lambda: False):
        """Declare the parameters of `settings_class` (vlm_agent.core.settings); returns the settings.
        Accepted run-time changes update self.settings and call self.settings_changed(names)."""
        self.settings_store = NodeSettings(self, settings_class, changeable, self._take_settings)
        self.settings = self.settings_store.values
        return self.settings

    def _take_settings(self, settings, names: set[str]) -> None:
        self.settings = settings
        self.settings_changed(names)
        self.report(Status.INFO, f"parameters changed at run time: {', '.join(sorted(names))}")

    def settings_changed(self, names: set[str]) -> None:
        """Rebuild what depends on the changed settings (nodes override)."""

    def require_settings(self):
        """The settings as the parameters are now; raises SettingsError for a bad value."""
        if self.settings_store.problem:
            raise SettingsError(self.settings_store.problem)
        self.settings = self.settings_store.read()
        return self.settings

    def steady_timer(self, period_s: float, callback):
        """A timer on the steady clock: housekeeping that must go on when sim time stops."""
        return self.create_timer(period_s, callback, clock=Clock(clock_type=ClockType.STEADY_TIME))

    def now_s(self) -> float:
        """The node clock (sim time under use_sim_time), seconds."""
        return self.get_clock().now().nanoseconds / 1e9

    def gate_key(self) -> tuple[bytes | None, str]:
        """(the deployment's approval key, '') or (None, why it could not be loaded)."""
        path = self.get_parameter("gate_key_file").value if self.has_parameter("gate_key_file") else self.param(
            "gate_key_file", "", "File with the HMAC key that signs approvals ('' = the VLM_AGENT_GATE_KEY_FILE "
            "variable, else ~/.config/vlm_agent/gate.key, created on first use).")
        try:
            return load_or_create_key(path or None), ""
        except InputError as exc:
            return None, str(exc)

    def watch_peers(self, timeout_s: float = 2.0) -> PeerMonitor:
        """Heartbeats of the whole graph, this node's own included."""
        peers = PeerMonitor(timeout_s, started=time.monotonic())
        self.create_subscription(Heartbeat, "vlm_agent/heartbeat", lambda msg: peers.saw(
            msg.role, msg.instance_id, msg.node, time.monotonic(), msg.ready, msg.detail), HEARTBEAT_QOS)
        return peers

    def param(self, name: str, default, description: str):
        descriptor = ParameterDescriptor(description=description)
        return self.declare_parameter(name, default, descriptor).value

    def report(self, level: int, message: str) -> None:
        """Log and publish on vlm_agent/status; errors are also the last error on /diagnostics."""
        logger = self.get_logger()
        if level == Status.ERROR:  # one call site per severity: rclpy forbids mixing them
            self.health.last_error = message[:300]
            logger.error(message)
        elif level == Status.WARN:
            logger.warning(message)
        else:
            logger.info(message)
        msg = Status(node=self.get_fully_qualified_name(), level=level, message=message)
        msg.header.stamp = self.get_clock().now().to_msg()
        self._status_pub.publish(msg)


class AgentNode(AgentMixin, Node):
    """A plain (not lifecycle-managed) node: camera, simulator, executor. Its settings are read at
    construction; a bad value stops it with a message naming the parameter."""

    settings_class: type | None = None

    def __init__(self, name: str, **node_options):
        super().__init__(name, **node_options)
        if self.settings_class is not None:
            self.declare_settings(self.settings_class)
            self.require_settings()
        self.diagnostics = DiagnosticsPublisher(self)

    def diagnose(self):
        now = self.now_s()
        problem = Finding(ERROR, self.health.last_error) if self.health.last_error else None
        return summarise([problem]), {"state": "running", **self.health.values(now)}


def qualified_name(endpoint_info) -> str:
    """/namespace/node of a publisher or subscription found by graph introspection."""
    return f"{endpoint_info.node_namespace.rstrip('/')}/{endpoint_info.node_name}"


def run(node_class, args=None, executor=None) -> None:
    """Standard main(): spin (on `executor()` when given) until Ctrl-C or shutdown, always clean up.
    `kill -USR1 <pid>` prints every thread's Python stack to stderr (a node that seems stuck)."""
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    rclpy.init(args=args if args is not None else sys.argv)
    node = None
    try:
        node = node_class()
        rclpy.spin(node, executor() if executor is not None else None)
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    except Exception:  # a node that cannot start says why before exiting
        traceback.print_exc()
        raise SystemExit(1)
    finally:
        if node is not None:
            node.destroy_node()
        rclpy.try_shutdown()
