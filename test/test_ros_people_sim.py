"""People safety end to end in one process over real DDS: the pybullet sim with a person billboard
(a real photo on an upright plane) beside the table, the real people node (MediaPipe models), the
real guard and the sim executor. The person is found within 10 cm; a plan passing near them is
refused; the person walking into the workspace mid-plan holds the arm; a dead detector releases
no plan and holds a running one."""
import numpy as np
import pytest
from ros_helpers import FakePeers, bring_up, rclpy, signed, spin_until
from rclpy.executors import SingleThreadedExecutor
from rclpy.parameter import Parameter
from geometry_msgs.msg import Pose, PoseArray
from std_msgs.msg import Header

from vlm_agent.core.perception.objects import Plan, PlanStep
from vlm_agent.msg import (Command, ExecutionStatus, GroundedObject, GroundingResult, People, Plan as PlanMsg,
                           SafetyVerdict)
from vlm_agent.ros.common import EVENTS_QOS, LATCHED_QOS, PEOPLE_QOS
from vlm_agent.ros.conversions import plan_to_ros
from vlm_agent.ros.guard_node import GuardNode
from vlm_agent.ros.people_node import PeopleNode
from vlm_agent.ros.sim_node import SimNode

pytestmark = [pytest.mark.ros, pytest.mark.slow]
PERSON = (0.80, 0.80)         # tabletop_person.yaml
NEAR_PERSON = (PlanStep("move_to", (0.85, 0.45, 0.2), max_speed=0.1),)
AWAY = (PlanStep("move_to", (0.7, 0.1, 0.2), max_speed=0.1), PlanStep("move_to", (0.4, -0.3, 0.2), max_speed=0.1))


class World:
    def __init__(self, tmp_path):
        self.sim = SimNode(parameter_overrides=[Parameter("scene", value="tabletop_person"),
                                                Parameter("publish_rate", value=10.0),
                                                Parameter("speedup", value=1.0)])
        self.people_node = bring_up(PeopleNode())
        self.guard = bring_up(GuardNode(parameter_overrides=[
            Parameter("use_embedding_guard", value=False), Parameter("audit_log", value=str(tmp_path / "audit.jsonl"))]))
        self.tester = rclpy.create_node("people_sim_tester")
        self.executor = SingleThreadedExecutor()
        for node in (self.sim, self.people_node, self.guard, self.tester):
            self.executor.add_node(node)
        FakePeers(self.tester, roles=("grounding", "planner"))
        t = self.tester
        self.people, self.verdicts, self.states, self.forwarded = [], [], [], []
        t.create_subscription(People, "vlm_agent/people", self.people.append, PEOPLE_QOS)
        t.create_subscription(SafetyVerdict, "vlm_agent/safety_verdict", self.verdicts.append, LATCHED_QOS)
        t.create_subscription(ExecutionStatus, "vlm_agent/execution", self.states.append, EVENTS_QOS)
        t.create_subscription(Command, "vlm_agent/command", self.forwarded.append, EVENTS_QOS)
        self.command_pub = t.create_publisher(Command, "vlm_agent/command_in", EVENTS_QOS)
        self.result_pub = t.create_publisher(GroundingResult, "vlm_agent/grounding", EVENTS_QOS)
        self.plan_pub = t.create_publisher(PlanMsg, "vlm_agent/plan_proposed", EVENTS_QOS)
        self.set_people = t.create_publisher(PoseArray, "sim/set_people", LATCHED_QOS)
        assert self.wait(lambda: self.guard.effector is not None and not self.guard.people_problem() and
                         not self.guard.peers.problem("executor", _now()), 60)

    def wait(self, condition, timeout=30.0):
        return spin_until(self.executor, condition, timeout)

    def seen(self):
        """Base-frame centroids in the newest People message."""
        return [(p.centroid.x, p.centroid.y) for p in self.people[-1].people if p.has_position] if self.people else []

    def propose(self, command_id, steps):
        """A command approved and grounded, then its plan proposed: the guard's plan verdict."""
        self.command_pub.publish(Command(id=command_id, text="move the arm"))
        assert self.wait(lambda: any(c.id == command_id for c in self.forwarded))
        self.result_pub.publish(signed(GroundingResult(command_id=command_id, status="ok", action="move",
                                                       candidates=[GroundedObject(id="obj_1", label="cube")])))
        self.plan_pub.publish(plan_to_ros(Plan(command_id, "base_link", steps), Header()))
        assert self.wait(lambda: any(v.command_id == command_id and v.stage == "plan" for v in self.verdicts))
        return next(v for v in self.verdicts if v.command_id == command_id and v.stage == "plan")

    def state(self, command_id, text):
        return self.wait(lambda: any(s.command_id == command_id and text in s.message for s in self.states))

    def move_person(self, x, y):
        pose = Pose()
        pose.position.x, pose.position.y = x, y
        self.set_people.publish(PoseArray(header=Header(frame_id="base_link"), poses=[pose]))

    def close(self):
        self.executor.shutdown()
        for node in (self.sim, self.people_node, self.guard, self.tester):
            node.destroy_node()


def _now():
    import time
    return time.monotonic()


@pytest.fixture
def world(ros, tmp_path):
    w = World(tmp_path)
    yield w
    w.close()


def test_person_beside_the_table_is_found_within_10_cm(world):
    assert world.wait(lambda: len(world.seen()) == 1)
    error = np.linalg.norm(np.subtract(world.seen()[0], PERSON))
    assert error < 0.10, f"person found {error:.3f} m from where the billboard stands"


def test_plan_passing_near_the_person_is_refused_and_one_away_from_them_runs(world):
    verdict = world.propose("near", NEAR_PERSON)
    assert not verdict.allowed and verdict.category == "person_nearby"
    verdict = world.propose("away", AWAY)
    assert verdict.allowed
    assert world.wait(lambda: any(s.command_id == "away" and s.state == "succeeded" for s in world.states), 60)


def test_person_walking_into_the_workspace_mid_plan_holds_the_arm(world):
    assert world.propose("p1", AWAY).allowed
    assert world.wait(lambda: world.sim.running is not None and world.sim.world.gripper_position[0] > 0.35)
    world.move_person(0.6, 0.3)
    assert world.state("p1", "stop zone"), [s.message for s in world.states]
    assert world.sim.running is not None and world.sim.running.speed_cap == 0
    assert any(abs(x - 0.6) < 0.1 and abs(y - 0.3) < 0.1 for x, y in world.seen())


def test_killed_detector_releases_no_plan_and_holds_the_running_one(world):
    assert world.propose("p1", AWAY).allowed
    assert world.wait(lambda: world.sim.running is not None)
    world.executor.remove_node(world.people_node)
    world.people_node.destroy_node()
    assert world.state("p1", "the people detector is down")
    assert world.wait(lambda: world.guard.people_problem() != "")
    verdict = world.propose("p2", AWAY)
    assert not verdict.allowed and verdict.category == "people_detector_down"
    world.people_node = rclpy.create_node("placeholder")  # close() destroys it
