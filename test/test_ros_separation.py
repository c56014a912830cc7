"""Speed and separation monitoring in the simulator executor over DDS: a person entering the stop
zone holds the arm still at once, it resumes after the zone was clear for clear_time_s; the slow
zone caps speed; a silent people detector holds it and, past max_pause_s, halts the plan."""
import pytest
from ros_helpers import FakePeers, FakePeopleDetector, rclpy, signed, spin_until
from rclpy.executors import SingleThreadedExecutor
from rclpy.parameter import Parameter
from std_msgs.msg import Header

from vlm_agent.core.perception.objects import Plan, PlanStep
from vlm_agent.msg import ExecutionStatus, Explanation, Plan as PlanMsg
from vlm_agent.ros.common import EVENTS_QOS
from vlm_agent.ros.conversions import plan_to_ros
from vlm_agent.ros.sim_node import SimNode

pytestmark = pytest.mark.ros
STEPS = (PlanStep("move_to", (0.5, 0.3, 0.3), max_speed=0.1), PlanStep("move_to", (0.5, -0.3, 0.3), max_speed=0.1))
FAR = (3.0, 3.0, 0.0)


class Rig:
    def __init__(self, **params):
        params = {"people_source": "/separation_tester", "speedup": 2.0, "separation_clear_time_s": 0.5, **params}
        self.node = SimNode(parameter_overrides=[Parameter(k, value=v) for k, v in params.items()])
        self.tester = rclpy.create_node("separation_tester")
        self.executor = SingleThreadedExecutor()
        self.executor.add_node(self.node)
        self.executor.add_node(self.tester)
        self.peers = FakePeers(self.tester, roles=("guard",))
        self.people = FakePeopleDetector(self.tester, [FAR])
        self.states, self.explanations = [], []
        self.tester.create_subscription(ExecutionStatus, "vlm_agent/execution", self.states.append, EVENTS_QOS)
        self.tester.create_subscription(Explanation, "vlm_agent/explanation", self.explanations.append, EVENTS_QOS)
        self.plan_pub = self.tester.create_publisher(PlanMsg, "vlm_agent/plan", EVENTS_QOS)
        assert self.wait(lambda: self.plan_pub.get_subscription_count() > 0 and self.node.separation.received > 0
                         and self.node.separation.monitor.current.zone == "clear")

    def wait(self, condition, timeout=20.0):
        return spin_until(self.executor, condition, timeout)

    def start(self, command_id="p1"):
        msg = plan_to_ros(Plan(command_id, "base_link", STEPS), Header())
        msg.approved_by = self.peers.ids["guard"]
        self.plan_pub.publish(signed(msg))
        assert self.wait(lambda: self.node.running is not None and self.node.world.gripper_position[1] > 0.05)

    def told(self, text):
        return self.wait(lambda: any(text in s.message for s in self.states) and
                         any(text in e.text and e.stage == "executor" for e in self.explanations))

    def close(self):
        self.executor.shutdown()
        self.node.destroy_node()
        self.tester.destroy_node()


def test_person_in_the_stop_zone_holds_the_arm_until_the_zone_is_clear(ros):
    rig = Rig()
    try:
        rig.start()
        rig.people.points = [(0.5, 0.0, 0.0)]          # right under the path ahead
        assert rig.told("stop zone")
        held = rig.node.world.gripper_position.copy()
        # hold: the gripper stays put over many control ticks while the person stays
        positions = []
        assert rig.wait(lambda: positions.append(rig.node.world.gripper_position.copy()) or len(positions) > 50)
        assert all((p == held).all() for p in positions) and rig.node.separation.monitor.current.zone == "stop"
        rig.people.points = [FAR]
        assert rig.told("resuming")
        assert rig.wait(lambda: any(s.command_id == "p1" and s.state == "succeeded" for s in rig.states), 30)
    finally:
        rig.close()


def test_person_in_the_slow_zone_caps_the_speed(ros):
    rig = Rig()
    try:
        rig.start()
        rig.people.points = [(0.95, 0.0, 0.0)]         # 0.45 m from the path
        assert rig.told("speed capped at 0.05 m/s")
        assert rig.node.running.speed_cap == pytest.approx(0.05)
    finally:
        rig.close()


def test_silent_people_detector_holds_the_arm_then_halts_the_plan(ros):
    rig = Rig(people_max_age_s=0.3, separation_max_pause_s=1.0)
    try:
        rig.start()
        rig.people.stop()
        assert rig.told("the people detector is down")
        halted = []
        assert rig.wait(lambda: halted.extend(s for s in rig.states if s.state == "halted") or halted)
        assert "held still for over 1 s" in halted[0].message
    finally:
        rig.close()


def test_warn_mode_keeps_moving_with_a_warning(ros):
    rig = Rig(people_max_age_s=0.3, people_stale_action="warn")
    try:
        rig.start()
        rig.people.stop()
        assert rig.told("WARNING")
        assert rig.wait(lambda: any(s.command_id == "p1" and s.state == "succeeded" for s in rig.states), 30)
    finally:
        rig.close()
