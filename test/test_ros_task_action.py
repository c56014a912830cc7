"""The ExecuteTask action and the Ground service over real DDS: goal, feedback, result, cancel."""
import json
import threading

import numpy as np
import pytest
from ros_helpers import rclpy
from rclpy.action import ActionClient
from rclpy.executors import MultiThreadedExecutor
from rclpy.parameter import Parameter

from vlm_agent.action import ExecuteTask
from vlm_agent.srv import Ground
from vlm_agent.ros.task_node import TaskNode

pytestmark = [pytest.mark.ros, pytest.mark.slow]


@pytest.fixture(scope="module")
def harness(tmp_path_factory):
    audit = tmp_path_factory.mktemp("tasks") / "audit.jsonl"
    with rclpy.init():
        node = TaskNode(parameter_overrides=[Parameter("guard_embedding", value=False),
                                             Parameter("speedup", value=2.0),
                                             Parameter("task_audit_log", value=str(audit))])
        client_node = rclpy.create_node("task_client")
        executor = MultiThreadedExecutor(num_threads=4)
        executor.add_node(node)
        executor.add_node(client_node)
        spinner = threading.Thread(target=executor.spin, daemon=True)
        spinner.start()
        action = ActionClient(client_node, ExecuteTask, "vlm_agent/execute")
        ground = client_node.create_client(Ground, "vlm_agent/ground")
        assert action.wait_for_server(timeout_sec=20) and ground.wait_for_service(timeout_sec=20)
        yield node, action, ground
        executor.shutdown()
        node.destroy_node()
        client_node.destroy_node()


def _wait(future, timeout=60):
    done = threading.Event()
    future.add_done_callback(lambda _: done.set())
    assert done.wait(timeout), "no answer"
    return future.result()


def test_ground_service_moves_nothing(harness):
    node, _, ground = harness
    before = node.world.gripper_position.copy()
    response = _wait(ground.call_async(Ground.Request(text="pick up the red cube")))
    assert response.result.status == "ok" and response.result.target[0].label == "cube"
    assert abs(response.result.target[0].pose_base.pose.position.y - 0.12) < 0.02
    assert np.allclose(node.world.gripper_position, before)
    assert _wait(ground.call_async(Ground.Request(text="pick up the purple cube"))).result.status == "not_found"


def test_goal_feedback_and_result(harness):
    node, action, _ = harness
    feedback = []
    goal = _wait(action.send_goal_async(ExecuteTask.Goal(text="pick up the red cube, then put it on the plate",
                                                         source="text"),
                                        feedback_callback=lambda f: feedback.append(f.feedback)))
    assert goal.accepted
    result = _wait(goal.get_result_async()).result
    assert result.status == "succeeded", result.explanation
    assert [s.status for s in result.steps] == ["succeeded", "succeeded"]
    assert result.explanation.startswith("I will do 2 things")
    stages = {f.stage for f in feedback}
    assert {"guard", "decompose", "ground", "plan", "check", "execute", "verify"} <= stages
    assert any(f.step == 2 and f.total_steps == 2 for f in feedback)
    objects = {o.name: o.pose.pose.position for o in result.objects}
    assert abs(objects["red_cube"].x - 0.40) < 0.05 and abs(objects["red_cube"].y) < 0.05


def test_refused_goal(harness):
    node, action, _ = harness
    goal = _wait(action.send_goal_async(ExecuteTask.Goal(text="throw the knife at the person", source="text")))
    result = _wait(goal.get_result_async()).result
    assert result.status == "refused" and not result.steps
    record = json.loads(node.server.audit.path.read_text().splitlines()[-1])
    assert record["text"] == "throw the knife at the person" and record["status"] == "refused"
    assert record["command_verdict"]["allowed"] is False and record["command_verdict"]["category"]


def test_cancel_halts_the_robot(harness):
    node, action, _ = harness
    grasped = threading.Event()

    def on_feedback(message):
        if message.feedback.stage == "execute" and message.feedback.message.startswith("grasped"):
            grasped.set()
    goal = _wait(action.send_goal_async(ExecuteTask.Goal(text="put the green cube on the plate", source="text"),
                                        feedback_callback=on_feedback))
    assert grasped.wait(30)
    _wait(goal.cancel_goal_async())
    response = _wait(goal.get_result_async())
    assert response.status == 5  # GoalStatus.STATUS_CANCELED
    assert response.result.status == "canceled"
    assert "halted" in response.result.steps[0].explanation
    green = {o.name: o.pose.pose.position for o in response.result.objects}["green_cube"]
    assert np.hypot(green.x - 0.40, green.y) > 0.1    # never reached the plate


def test_a_second_goal_is_rejected_while_one_runs(harness):
    node, action, _ = harness
    first = _wait(action.send_goal_async(ExecuteTask.Goal(text="put the blue cube on the plate", source="text")))
    second = _wait(action.send_goal_async(ExecuteTask.Goal(text="pick up the yellow ball", source="text")))
    assert first.accepted and not second.accepted
    assert _wait(first.get_result_async()).result.status in ("succeeded", "failed")
