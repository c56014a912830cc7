"""The simulator as the graph's executor, over DDS: it runs only unexpired plans released by the
one guard it hears, reports each plan's fate, and halts mid-plan at once."""
import pytest
from ros_helpers import FakePeers, FakePeopleDetector, rclpy, signed, spin_until
from rclpy.executors import SingleThreadedExecutor
from rclpy.parameter import Parameter
from std_msgs.msg import Header

from vlm_agent.core.perception.objects import Plan, PlanStep
from vlm_agent.msg import Command, ExecutionStatus, Plan as PlanMsg
from vlm_agent.ros.common import EVENTS_QOS
from vlm_agent.ros.conversions import plan_to_ros
from vlm_agent.ros.sim_node import SimNode

pytestmark = pytest.mark.ros
# a long, slow reach: halting lands mid-plan
STEPS = (PlanStep("move_to", (0.5, 0.3, 0.3), max_speed=0.05), PlanStep("move_to", (0.5, -0.3, 0.3), max_speed=0.05))


@pytest.fixture
def sim(ros):
    node = SimNode(parameter_overrides=[Parameter("people_source", value="/executor_tester")])
    tester = rclpy.create_node("executor_tester")
    FakePeopleDetector(tester)  # nobody near
    executor = SingleThreadedExecutor()
    executor.add_node(node)
    executor.add_node(tester)
    peers = FakePeers(tester, roles=("guard",))
    states = []
    tester.create_subscription(ExecutionStatus, "vlm_agent/execution", states.append, EVENTS_QOS)
    plan_pub = tester.create_publisher(PlanMsg, "vlm_agent/plan", EVENTS_QOS)
    halt_pub = tester.create_publisher(Command, "vlm_agent/halt", EVENTS_QOS)
    assert spin_until(executor, lambda: plan_pub.get_subscription_count() > 0 and
                      len(node.peers.alive("guard", _now())) == 1)
    yield node, tester, executor, peers, states, plan_pub, halt_pub
    executor.shutdown()
    node.destroy_node()
    tester.destroy_node()


def _now():
    import time
    return time.monotonic()


def _plan(h, command_id, deadline_s=2.0, approved_by=None, sign=True):
    peers = h[3]
    msg = plan_to_ros(Plan(command_id, "base_link", STEPS), Header())
    msg.approved_by = peers.ids["guard"] if approved_by is None else approved_by
    return signed(msg, deadline_s) if sign else msg


def _state(h, command_id, state):
    states = h[4]
    assert spin_until(h[2], lambda: any(s.command_id == command_id and s.state == state for s in states), 20)
    return next(s for s in states if s.command_id == command_id and s.state == state)


@pytest.mark.parametrize("change, reason", [({"sign": False}, "not signed by the guard"),
                                            ({"deadline_s": -1.0}, "expired"),
                                            ({"approved_by": "forged"}, "not by the running guard")])
def test_plans_not_released_by_the_running_guard_in_time_are_rejected(sim, change, reason):
    sim[5].publish(_plan(sim, "p1", **change))
    assert reason in _state(sim, "p1", "rejected").message
    assert sim[0].world.plans_executed == 0


@pytest.mark.parametrize("steps, reason", [
    ((PlanStep("move_to", (0.5, 0.0, 0.3), max_speed=2.0),), "asks for 2.00 m/s"),
    ((PlanStep("move_to", (3.0, 2.0, 1.5), max_speed=0.1),), "leaves the executor's workspace"),
    (tuple(PlanStep("move_to", (0.5, 0.0, 0.3), max_speed=0.1) for _ in range(60)), "60 steps"),
    ((PlanStep("move_to", (0.5, 0.5, 0.3), max_speed=0.001),), "would take")])
def test_signed_plans_beyond_the_executors_own_limits_are_rejected(sim, steps, reason):
    msg = plan_to_ros(Plan("p1", "base_link", steps), Header())
    msg.approved_by = sim[3].ids["guard"]
    sim[5].publish(signed(msg))
    assert reason in _state(sim, "p1", "rejected").message
    assert sim[0].world.plans_executed == 0


def test_altered_and_replayed_plans_are_rejected(sim):
    altered = _plan(sim, "p1")
    altered.steps[0].max_speed = 20.0
    sim[5].publish(altered)
    assert "signature does not match" in _state(sim, "p1", "rejected").message
    plan = _plan(sim, "p2")
    sim[5].publish(plan)
    _state(sim, "p2", "executing")
    sim[5].publish(plan)  # the same approval again
    assert "already used" in _state(sim, "p2", "rejected").message


def test_a_released_plan_runs_and_a_halt_stops_it_mid_way(sim):
    node, _, executor, _, states, plan_pub, halt_pub = sim
    plan_pub.publish(_plan(sim, "p1"))
    assert spin_until(executor, lambda: node.running is not None and node.running.step_index == 0 and
                      node.world.gripper_position[1] > 0.05)
    halt_pub.publish(Command(id="s1", text="stop"))
    halted = _state(sim, "p1", "halted")
    assert "halted at step 1 of 2" in halted.message
    assert "stopped plan(s) p1" in _state(sim, "s1", "succeeded").message
    assert spin_until(executor, lambda: node.running is None)  # the execution is gone: nothing can move it
    assert node.world.gripper_position[1] > 0.0 and node.world.plans_executed == 0  # short of step 2
