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


def signed(msg, valid_s: float = 10.0, now_ns: int | None = None):
    """An approval as the guard (or grounding node) stamps it, with this test run's gate key, at
    now_ns on the approver's clock (default: wall time)."""
    from vlm_agent.core.safety.signing import load_or_create_key
    from vlm_agent.ros.conversions import sign_message
    return sign_message(msg, load_or_create_key(), int(valid_s * 1e9), time.time_ns() if now_ns is None else now_ns)


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


class FakePeopleDetector:
    """Publishes vlm_agent/People (base frame) at 20 Hz from a test node, as the people node does;
    set `points` to the people's closest points, or call stop() to fall silent."""

    def __init__(self, node, points=()):
        from vlm_agent.msg import People
        from vlm_agent.ros.common import PEOPLE_QOS
        self.node, self.points = node, list(points)
        self.publisher = node.create_publisher(People, "vlm_agent/people", PEOPLE_QOS)
        self.timer = node.create_timer(0.05, self.publish)

    def publish(self):
        from geometry_msgs.msg import Point
        from std_msgs.msg import Header
        from vlm_agent.msg import People, Person
        msg = People(header=Header(stamp=self.node.get_clock().now().to_msg(), frame_id="base_link"))
        for index, (x, y, z) in enumerate(self.points):
            msg.people.append(Person(id=f"person_{index + 1}", score=0.9, bbox_xyxy=[0.0, 0.0, 10.0, 10.0],
                                     has_position=True, closest_point=Point(x=x, y=y, z=z),
                                     centroid=Point(x=x, y=y, z=z)))
        self.publisher.publish(msg)

    def stop(self):
        self.timer.cancel()


GRAPH_NODES = ("sim", "guard", "grounding", "planner", "people")


def assert_graph_ready(client, graph, nodes=GRAPH_NODES, timeout=300.0):
    """The launched graph answers a probe command; if not, what was missing, each node's last
    log lines and its threads' stacks."""
    assert client.wait_for_graph(nodes, timeout), f"graph not ready in {timeout:.0f} s: {client.not_ready}\n" \
        f"{graph.report()}"
