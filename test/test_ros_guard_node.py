"""The guard node over DDS: rate limits, a broken configuration refuses everything, people near
the path and an unsafe camera image (ShieldGemma 2, tiny test weights) stop plans."""
import pytest
from ros_helpers import rclpy, spin_until
from rclpy.executors import SingleThreadedExecutor
from rclpy.parameter import Parameter
from geometry_msgs.msg import Pose, PoseArray
from sensor_msgs.msg import Image
from std_msgs.msg import Header

from vlm_agent.core.objects import Plan, PlanStep
from vlm_agent.msg import Command, Plan as PlanMsg, SafetyVerdict
from vlm_agent.ros.common import EVENTS_QOS, LATCHED_QOS, sensor_qos
from vlm_agent.ros.conversions import image_to_ros, plan_to_ros
from vlm_agent.ros.guard_node import GuardNode

pytestmark = pytest.mark.ros
PLAN = Plan("p1", "base_link", (PlanStep("pick", (0.5, 0.1, 0.03), object_id="obj_1", gripper="close",
                                         max_speed=0.1),))


class Harness:
    def __init__(self, tmp_path, **params):
        params.setdefault("use_embedding_guard", False)
        params.setdefault("audit_log", str(tmp_path / "audit.jsonl"))
        self.node = GuardNode(parameter_overrides=[Parameter(k, value=v) for k, v in params.items()])
        self.tester = rclpy.create_node("guard_tester")
        self.executor = SingleThreadedExecutor()
        self.executor.add_node(self.node)
        self.executor.add_node(self.tester)
        self.verdicts, self.released, self.forwarded = [], [], []
        t = self.tester
        t.create_subscription(SafetyVerdict, "vlm_agent/safety_verdict", self.verdicts.append, LATCHED_QOS)
        t.create_subscription(PlanMsg, "vlm_agent/plan", self.released.append, EVENTS_QOS)
        t.create_subscription(Command, "vlm_agent/command", self.forwarded.append, EVENTS_QOS)
        self.command_pub = t.create_publisher(Command, "vlm_agent/command_in", EVENTS_QOS)
        self.plan_pub = t.create_publisher(PlanMsg, "vlm_agent/plan_proposed", EVENTS_QOS)
        self.people_pub = t.create_publisher(PoseArray, "people", LATCHED_QOS)
        self.image_pub = t.create_publisher(Image, "camera/color/image_raw", sensor_qos("reliable"))
        assert spin_until(self.executor, lambda: self.command_pub.get_subscription_count() > 0 and
                          self.plan_pub.get_subscription_count() > 0)

    def verdict_for(self, command_id, stage):
        assert spin_until(self.executor, lambda: any(v.command_id == command_id and v.stage == stage
                                                     for v in self.verdicts))
        return next(v for v in self.verdicts if v.command_id == command_id and v.stage == stage)

    def send_plan(self, command_id):
        self.plan_pub.publish(plan_to_ros(Plan(command_id, PLAN.frame_id, PLAN.steps), Header()))
        return self.verdict_for(command_id, "plan")

    def close(self):
        self.executor.shutdown()
        self.node.destroy_node()
        self.tester.destroy_node()


def test_rate_limit_refuses_command_floods(ros, tmp_path):
    h = Harness(tmp_path, max_commands=2, rate_window_s=60.0)
    for i in range(3):
        h.command_pub.publish(Command(id=f"c{i}", text="point at the red cube"))
    assert [h.verdict_for(f"c{i}", "command").allowed for i in range(3)] == [True, True, False]
    assert h.verdict_for("c2", "command").category == "rate_limit"
    h.close()


def test_broken_guard_configuration_refuses_everything(ros, tmp_path):
    broken = tmp_path / "guard.yaml"
    broken.write_text("rules: [not, a, mapping]")
    h = Harness(tmp_path, guard_config=str(broken))
    h.command_pub.publish(Command(id="c0", text="pick up the red cube"))
    verdict = h.verdict_for("c0", "command")
    assert not verdict.allowed and verdict.category == "guard_error"
    assert not h.send_plan("c0").allowed
    spin_until(h.executor, lambda: False, 0.5)
    assert h.forwarded == [] and h.released == []
    h.close()


def test_person_near_the_path_stops_the_plan(ros, tmp_path):
    h = Harness(tmp_path)
    people = PoseArray(header=Header(frame_id="base_link"))
    people.poses.append(Pose())
    people.poses[0].position.x, people.poses[0].position.y = 0.55, 0.2
    h.people_pub.publish(people)
    assert spin_until(h.executor, lambda: len(h.node.people) == 1)
    verdict = h.send_plan("c1")
    assert not verdict.allowed and verdict.category == "person_nearby"
    spin_until(h.executor, lambda: False, 0.3)
    assert h.released == []
    h.close()


@pytest.mark.parametrize("threshold, allowed", [(0.0, False), (1.01, True)])
def test_unsafe_camera_image_stops_the_plan(ros, tmp_path, tabletop, threshold, allowed):
    pytest.importorskip("PIL")
    from tiny_models import build_tiny_shieldgemma
    model = build_tiny_shieldgemma(tmp_path / "shieldgemma")
    h = Harness(tmp_path, image_guard_model_path=str(model), image_guard_threshold=threshold)
    h.image_pub.publish(image_to_ros(tabletop[1].rgb, "rgb8", Header(stamp=h.tester.get_clock().now().to_msg())))
    assert spin_until(h.executor, lambda: h.node.image_input.synced is not None)
    verdict = h.send_plan("c2")
    assert verdict.allowed == allowed
    if not allowed:
        assert verdict.category.startswith("image_")
    else:
        assert spin_until(h.executor, lambda: len(h.released) == 1)
    h.close()
