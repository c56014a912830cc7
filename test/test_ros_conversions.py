import numpy as np
import pytest

pytest.importorskip("rclpy")
from std_msgs.msg import Header  # noqa: E402

from vlm_agent.core.perception.objects import Plan, PlanStep  # noqa: E402
from vlm_agent.ros.conversions import (depth_from_ros, grounding_to_ros, image_to_ros,  # noqa: E402
                                       intrinsics_from_ros, intrinsics_to_ros, matrix_from_quaternion,
                                       plan_from_ros, plan_to_ros, quaternion_from_matrix, rgb_from_ros)
from vlm_agent.ros.conversions import grounding_from_ros as result_from_ros  # noqa: E402


def test_image_round_trips():
    rgb = np.random.default_rng(0).integers(0, 255, (4, 6, 3), dtype=np.uint8)
    assert np.array_equal(rgb_from_ros(image_to_ros(rgb, "rgb8", Header())), rgb)
    depth = np.array([[0.5, 0.0]], np.float32)
    back = depth_from_ros(image_to_ros(depth, "32FC1", Header()))
    assert back[0, 0] == 0.5 and np.isnan(back[0, 1])


def test_intrinsics_round_trip(tabletop):
    k = tabletop[0].camera.intrinsics
    assert intrinsics_from_ros(intrinsics_to_ros(k, Header())) == k


@pytest.mark.parametrize("seed", range(5))
def test_quaternion_round_trip(seed):
    q = np.random.default_rng(seed).normal(size=4)
    q /= np.linalg.norm(q)
    m = matrix_from_quaternion(*q)
    assert np.allclose(matrix_from_quaternion(*quaternion_from_matrix(m)), m, atol=1e-9)


def test_plan_round_trip():
    plan = Plan("c7", "base_link", (PlanStep("pick", (0.5, 0.1, 0.02), 0.3, "obj_1", "close", 0.05),))
    back = plan_from_ros(plan_to_ros(plan, Header()))
    assert back.command_id == "c7" and back.frame_id == "base_link"
    step = back.steps[0]
    assert (step.action, step.object_id, step.gripper) == ("pick", "obj_1", "close")
    assert step.position == pytest.approx(plan.steps[0].position) and step.yaw == pytest.approx(0.3)


def test_grounding_result_round_trip(tabletop, grounder):
    result = grounder.ground(tabletop[2], "put the red cube left of the blue cube")
    msg = grounding_to_ros(result, "c1", Header(frame_id="camera"), "base_link")
    assert msg.status == "ok" and msg.target[0].pose_base.header.frame_id == "base_link"
    back = result_from_ros(msg)
    assert back.destination_relation == "left_of" and back.rationale == result.rationale
    assert np.allclose(back.target.obj.center_base, result.target.obj.center_base, atol=1e-6)
    assert back.target.obj.color == "red" and back.target.obj.size == pytest.approx(result.target.obj.size)
    from dataclasses import replace
    unmeasured = replace(result, target=replace(result.target, obj=replace(result.target.obj, size=None)))
    assert result_from_ros(grounding_to_ros(unmeasured, "c2", Header(frame_id="camera"), "base_link")
                           ).target.obj.size is None  # "not measured" survives the message


def test_markers_for_objects_with_and_without_extent(tabletop, grounder):
    """Segmented objects have a size (cube marker); detector boxes only a position (sphere marker)."""
    from dataclasses import replace

    from visualization_msgs.msg import Marker

    from vlm_agent.core.perception.objects import Match
    from vlm_agent.ros.markers import result_markers
    result = grounder.ground(tabletop[2], "put the red cube on the plate")
    detected = Match(replace(result.destination.obj, size=None, rotation_camera=None), 0.8)
    markers = result_markers(replace(result, destination=detected), Header(frame_id="camera")).markers
    shapes = {m.ns: m.type for m in markers if m.action == Marker.ADD and m.ns != "vlm_agent/labels"}
    assert shapes["vlm_agent/target"] == Marker.CUBE and shapes["vlm_agent/destination"] == Marker.SPHERE
    sphere = next(m for m in markers if m.ns == "vlm_agent/destination")
    assert abs(sphere.scale.x - 0.03) < 1e-6


def test_task_step_and_object_states_round_trip():
    from std_msgs.msg import Header
    from vlm_agent.core.tasks.steps import StepReport
    from vlm_agent.ros.conversions import (object_states_from_ros, object_states_to_ros, task_feedback_to_ros,
                                           task_step_from_ros, task_step_to_ros)
    step = StepReport("put the red cube on the plate", "failed", "the grasp slipped")
    assert task_step_from_ros(task_step_to_ros(step)) == step
    objects = {"red_cube": {"position_base": [0.4, 0.0, 0.045]}, "plate": {"position_base": [0.4, 0.0, 0.01]}}
    back = object_states_from_ros(object_states_to_ros(objects, Header(frame_id="base_link")))
    assert {n: {"position_base": np.round(v["position_base"], 6).tolist()} for n, v in back.items()} == objects
    feedback = task_feedback_to_ros(2, 3, "verify", "checking")
    assert (feedback.step, feedback.total_steps, feedback.stage) == (2, 3, "verify")
def test_verdict_and_outcome_round_trip():
    from vlm_agent.core.perception.objects import Verdict
    from vlm_agent.core.runtime.supervision import Outcome
    from vlm_agent.ros.conversions import outcome_from_ros, outcome_to_ros, verdict_from_ros, verdict_to_ros
    verdict = Verdict(False, "violence", 0.875, "throwing a knife at a person", "plan")
    msg = verdict_to_ros(verdict, "c3", Header(frame_id=""))
    assert verdict_from_ros(msg) == verdict and msg.command_id == "c3"
    outcome = Outcome("c4", "busy", "too many commands", "pick up the cube", 2.5)
    assert outcome_from_ros(outcome_to_ros(outcome, Header())) == outcome


@pytest.mark.parametrize("seed", range(3))
def test_pose_and_tf_round_trip(seed):
    from geometry_msgs.msg import TransformStamped
    from vlm_agent.ros.conversions import transform_from_pose, transform_from_tf, transform_to_pose
    q = np.random.default_rng(seed).normal(size=4)
    transform = np.eye(4)
    transform[:3, :3] = matrix_from_quaternion(*(q / np.linalg.norm(q)))
    transform[:3, 3] = np.random.default_rng(seed).normal(size=3)
    pose = transform_to_pose(transform, Header(frame_id="base_link"))
    assert np.allclose(transform_from_pose(pose), transform, atol=1e-9)
    tf = TransformStamped()
    tf.transform.translation.x, tf.transform.translation.y, tf.transform.translation.z = transform[:3, 3]
    o = pose.pose.orientation
    tf.transform.rotation.x, tf.transform.rotation.y, tf.transform.rotation.z, tf.transform.rotation.w = \
        o.x, o.y, o.z, o.w
    assert np.allclose(transform_from_tf(tf), transform, atol=1e-9)


def test_yaw_and_attributes_have_one_definition():
    from vlm_agent.ros.conversions import attributes_from_ros, pose_stamped, yaw_from_quaternion
    for yaw in (-3.0, -0.5, 0.0, 1.2, 3.1):
        assert yaw_from_quaternion(pose_stamped(Header(), (0, 0, 0), yaw=yaw).pose.orientation) == \
            pytest.approx(yaw)
    assert attributes_from_ros(["color=red", "shade=dark", "odd", "note=a=b"]) == \
        {"color": "red", "shade": "dark", "note": "a=b"}
    from pathlib import Path
    nodes = Path(__file__).resolve().parents[1] / "vlm_agent" / "ros"
    for path in nodes.glob("*.py"):
        if path.name != "conversions.py":
            text = path.read_text()
            assert "arctan2" not in text and 'split("=", 1)' not in text, path.name


def test_grounding_result_keeps_stage_latencies(tabletop, grounder):
    result = grounder.ground(tabletop[2], "pick up the red cube")
    back = result_from_ros(grounding_to_ros(result, "c5", Header(frame_id="camera"), "base_link"))
    assert set(back.stage_latency_ms) == set(result.stage_latency_ms) and back.stage_latency_ms


def test_people_pose_array_round_trip():
    from vlm_agent.ros.conversions import points_from_pose_array, points_to_pose_array
    msg = points_to_pose_array([(0.5, 0.2), (1.0, -0.3, 0.9)], Header(frame_id="base_link"))
    assert msg.header.frame_id == "base_link"
    back = points_from_pose_array(msg)
    assert np.allclose(back, [(0.5, 0.2, 0.0), (1.0, -0.3, 0.9)])
