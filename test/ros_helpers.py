"""Spinning helpers and stand-ins for graph members in tests with real rclpy nodes."""
import time
import uuid

import pytest

rclpy = pytest.importorskip("rclpy")


def spin_until(executor, condition, timeout=20.0):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        executor.spin_once(timeout_sec=0.02)
    return True


def bring_up(node):
    """Configure and activate a lifecycle node, as the lifecycle manager does."""
    from rclpy.lifecycle import TransitionCallbackReturn
    assert node.trigger_configure() == TransitionCallbackReturn.SUCCESS, node.not_ready_detail
    assert node.trigger_activate() == TransitionCallbackReturn.SUCCESS, node.not_ready_detail
    return node


def signed(msg, valid_s: float = 10.0):
    """An approval as the guard (or grounding node) stamps it, with this test run's gate key."""
    from vlm_agent.core.safety.signing import load_or_create_key
    from vlm_agent.ros.conversions import sign_message
    return sign_message(msg, load_or_create_key(), int(valid_s * 1e9), time.time_ns())


class FakePeers:
    """Heartbeats for graph roles from a test node; `silence(role)` makes one go quiet."""

    def __init__(self, node, roles=("grounding", "planner", "executor")):
        from vlm_agent.msg import Heartbeat
        from vlm_agent.ros.common import HEARTBEAT_QOS
        self.ids = {role: uuid.uuid4().hex for role in roles}
        self.silent: set[str] = set()
        publisher = node.create_publisher(Heartbeat, "vlm_agent/heartbeat", HEARTBEAT_QOS)

        def beat():
            for role, instance in self.ids.items():
                if role not in self.silent:
                    publisher.publish(Heartbeat(node=f"/fake_{role}", role=role, instance_id=instance, ready=True))
        self.timer = node.create_timer(0.2, beat)
        beat()

    def silence(self, role):
        self.silent.add(role)
