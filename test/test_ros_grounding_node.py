"""The grounding node over real DDS: bad input gets an `error` result and the node lives on."""
import numpy as np
import pytest
from ros_helpers import bring_up, rclpy, signed, spin_until
from rclpy.executors import SingleThreadedExecutor
from geometry_msgs.msg import PoseStamped
from sensor_msgs.msg import CameraInfo, Image
from std_msgs.msg import Header

from vlm_agent.msg import Command, GroundingResult, Status
from vlm_agent.ros.common import EVENTS_QOS, LATCHED_QOS, sensor_qos
from vlm_agent.ros.conversions import image_to_ros, intrinsics_to_ros, pose_stamped
from vlm_agent.ros.grounding_node import GroundingNode

pytestmark = pytest.mark.ros


@pytest.fixture(scope="module")
def harness():
    with rclpy.init():
        node = bring_up(GroundingNode())
        tester = rclpy.create_node("grounding_tester")
        executor = SingleThreadedExecutor()
        executor.add_node(node)
        executor.add_node(tester)
        results, statuses = {}, []
        tester.create_subscription(GroundingResult, "vlm_agent/grounding", lambda m: results.__setitem__(m.command_id, m),
                                   EVENTS_QOS)
        tester.create_subscription(Status, "vlm_agent/status", statuses.append, LATCHED_QOS)
        pubs = {"rgb": tester.create_publisher(Image, "camera/color/image_raw", sensor_qos("reliable")),
                "depth": tester.create_publisher(Image, "camera/depth/image_raw", sensor_qos("reliable")),
                "info": tester.create_publisher(CameraInfo, "camera/color/camera_info", sensor_qos("reliable")),
                "command": tester.create_publisher(Command, "vlm_agent/command", EVENTS_QOS),
                "pose": tester.create_publisher(PoseStamped, "camera/pose", LATCHED_QOS)}
        assert spin_until(executor, lambda: all(p.get_subscription_count() > 0 for p in pubs.values()))
        yield node, tester, executor, pubs, results, statuses
        executor.shutdown()
        node.destroy_node()
        tester.destroy_node()


def _send_frame(h, rgb, depth, intrinsics=None, stamp_offset=0):
    """Publish one RGB-D frame (and CameraInfo when intrinsics are given); wait until it is synchronised."""
    node, tester, executor, pubs, _, _ = h
    header = Header(stamp=tester.get_clock().now().to_msg(), frame_id="camera_color_optical_frame")
    header.stamp.sec += stamp_offset
    before = node.input.frames_synced
    if intrinsics is not None:
        pubs["info"].publish(intrinsics_to_ros(intrinsics, header))
    pubs["rgb"].publish(rgb if isinstance(rgb, Image) else image_to_ros(rgb, "rgb8", header))
    pubs["depth"].publish(depth if isinstance(depth, Image) else image_to_ros(depth, "32FC1", header))
    return spin_until(executor, lambda: node.input.frames_synced > before, 10)


def _ask(h, text, command_id):
    _, _, executor, pubs, results, _ = h
    pubs["command"].publish(signed(Command(id=command_id, text=text)))
    assert spin_until(executor, lambda: command_id in results, 20), f"no result for {command_id}"
    return results[command_id]


def test_bad_inputs_give_errors_and_good_input_still_works(harness, tabletop):
    scene, rendered, frame, truth = tabletop
    node, k = harness[0], frame.intrinsics

    # 1. no frame at all yet
    assert _ask(harness, "pick up the red cube", "no-frame").status == "error"

    # 2. missing CameraInfo
    node.input.latest_info = None
    assert _send_frame(harness, rendered.rgb, np.nan_to_num(rendered.depth_m))
    answer = _ask(harness, "pick up the red cube", "no-info")
    assert answer.status == "error" and "CameraInfo" in answer.message

    # 3. wrong encoding, 4. step/size mismatch, 5. empty image
    header = Header(stamp=harness[1].get_clock().now().to_msg())
    bad_encoding = image_to_ros(rendered.rgb, "rgb8", header)
    bad_encoding.encoding = "yuv422"
    bad_step = image_to_ros(rendered.rgb, "rgb8", header)
    bad_step.step = bad_step.step - 3
    empty = Image(header=header, height=0, width=0, encoding="rgb8", step=0, data=b"")
    for name, image, expected in (("encoding", bad_encoding, "unsupported image encoding"),
                                  ("step", bad_step, "step"), ("empty", empty, "empty")):
        depth = image_to_ros(np.nan_to_num(rendered.depth_m), "32FC1", header)
        assert _send_frame(harness, image, depth, k)
        answer = _ask(harness, "pick up the red cube", f"bad-{name}")
        assert answer.status == "error" and expected in answer.message, answer.message

    # 6. NaN / zero depth everywhere
    assert _send_frame(harness, rendered.rgb, np.zeros_like(rendered.depth_m), k)
    answer = _ask(harness, "pick up the red cube", "zero-depth")
    assert answer.status == "error" and "valid readings" in answer.message
    assert _send_frame(harness, rendered.rgb, np.full_like(rendered.depth_m, np.nan), k)
    assert _ask(harness, "pick up the red cube", "nan-depth").status == "error"

    # 7. empty and oversized commands
    assert _send_frame(harness, rendered.rgb, np.nan_to_num(rendered.depth_m), k)
    assert _ask(harness, "", "empty-command").status == "error"
    assert _ask(harness, "pick " * 200, "long-command").status == "error"
    assert spin_until(harness[2], lambda: any(s.level == Status.ERROR for s in harness[5]), 5), \
        "errors are also reported on vlm_agent/status"

    # the node is alive and grounds a good frame, in the camera pose published on camera/pose
    t = frame.base_from_camera
    harness[3]["pose"].publish(pose_stamped(Header(frame_id="base_link"), t[:3, 3], t[:3, :3]))
    assert spin_until(harness[2], lambda: node.camera.pose is not None)
    assert _send_frame(harness, rendered.rgb, np.nan_to_num(rendered.depth_m), k)
    answer = _ask(harness, "pick up the red cube", "good")
    assert answer.status == "ok"
    p = answer.target[0].pose_base.pose.position
    assert np.linalg.norm(np.array([p.x, p.y, p.z]) - truth["red_cube"].position) < 0.02


def test_stale_frames_are_not_used(harness, tabletop):
    rendered, k = tabletop[1], tabletop[2].intrinsics
    assert _send_frame(harness, rendered.rgb, np.nan_to_num(rendered.depth_m), k, stamp_offset=-60)
    answer = _ask(harness, "pick up the red cube", "stale")
    assert answer.status == "error" and "old" in answer.message


def test_frames_from_the_future_and_non_rigid_camera_poses_are_rejected(harness, tabletop):
    rendered, k = tabletop[1], tabletop[2].intrinsics
    assert _send_frame(harness, rendered.rgb, np.nan_to_num(rendered.depth_m), k, stamp_offset=10)
    answer = _ask(harness, "pick up the red cube", "future")
    assert answer.status == "error" and "in the future" in answer.message
    node, _, executor, pubs, _, _ = harness
    scaled = PoseStamped(header=Header(frame_id="base_link"))
    scaled.pose.orientation.x, scaled.pose.orientation.w = 0.5, 1.0  # not a unit quaternion
    pubs["pose"].publish(scaled)
    assert spin_until(executor, lambda: node.camera.problem != "")
    assert _send_frame(harness, rendered.rgb, np.nan_to_num(rendered.depth_m), k)
    answer = _ask(harness, "pick up the red cube", "scaled-pose")
    assert answer.status == "error" and "camera/pose" in answer.message and "orthonormal" in answer.message


def test_a_camera_pose_that_jumps_is_used_only_once_confirmed(harness, tabletop):
    from std_srvs.srv import Trigger
    rendered, frame = tabletop[1], tabletop[2]
    node, tester, executor, pubs, _, _ = harness
    t = frame.base_from_camera
    pubs["pose"].publish(pose_stamped(Header(frame_id="base_link"), t[:3, 3], t[:3, :3]))
    assert spin_until(executor, lambda: node.camera.pose is not None and not node.camera.problem)
    pubs["pose"].publish(pose_stamped(Header(frame_id="base_link"), t[:3, 3] + (0.3, 0.0, 0.0), t[:3, :3]))
    assert spin_until(executor, lambda: node.camera.pending is not None)
    assert _send_frame(harness, rendered.rgb, np.nan_to_num(rendered.depth_m), frame.intrinsics)
    answer = _ask(harness, "pick up the red cube", "jumped")
    assert answer.status == "error" and "jumped 0.30 m" in answer.message and "confirm_camera_pose" in answer.message
    client = tester.create_client(Trigger, "vlm_agent/confirm_camera_pose")
    assert spin_until(executor, client.service_is_ready)
    future = client.call_async(Trigger.Request())
    assert spin_until(executor, future.done) and future.result().success
    assert _send_frame(harness, rendered.rgb, np.nan_to_num(rendered.depth_m), frame.intrinsics)
    answer = _ask(harness, "pick up the red cube", "confirmed")
    assert answer.status == "ok"  # in the confirmed (moved) pose: 0.3 m off the truth
    p = answer.target[0].pose_base.pose.position
    assert abs(p.x - tabletop[3]["red_cube"].position[0] - 0.3) < 0.02


def test_auto_reliability_follows_a_best_effort_camera_driver(harness, tabletop):
    """A best-effort driver (most camera drivers) on the image topics: `image_reliability: auto`
    switches the subscriptions to best effort and frames arrive. (harness: rclpy is initialised.)"""
    from rclpy.parameter import Parameter
    node = bring_up(GroundingNode(parameter_overrides=[Parameter("synonyms_model_path", value="none")]))
    driver = rclpy.create_node("best_effort_driver")
    executor = SingleThreadedExecutor()
    executor.add_node(node)
    executor.add_node(driver)
    try:
        rendered = tabletop[1]
        small_rgb, small_depth = rendered.rgb[::4, ::4].copy(), np.nan_to_num(rendered.depth_m[::4, ::4]).copy()
        rgb_pub = driver.create_publisher(Image, "camera/color/image_raw", sensor_qos("best_effort"))
        depth_pub = driver.create_publisher(Image, "camera/depth/image_raw", sensor_qos("best_effort"))
        assert spin_until(executor, lambda: node.input._subs["rgb"][0] == "best_effort", 10)

        def publish():
            header = Header(stamp=driver.get_clock().now().to_msg())
            rgb_pub.publish(image_to_ros(small_rgb, "rgb8", header))
            depth_pub.publish(image_to_ros(small_depth, "32FC1", header))
        driver.create_timer(0.05, publish)
        assert spin_until(executor, lambda: node.input.frames_synced >= 3, 10)
    finally:
        executor.shutdown()
        node.destroy_node()
        driver.destroy_node()


def test_missing_model_weights_leave_the_node_unconfigured_and_say_how_to_get_them(harness, tmp_path):
    """A model backend without weights: configure fails, the node stays up but unconfigured, says
    why on vlm_agent/status (with how to get the weights) and takes no command: it has no
    subscription to take one with, and its heartbeat says it is not ready, so the guard answers
    the command with an error naming it. (harness: rclpy is initialised.)"""
    from rclpy.lifecycle import TransitionCallbackReturn
    from rclpy.parameter import Parameter
    node = GroundingNode(parameter_overrides=[Parameter("backend", value="owl"),
                                              Parameter("model_path", value=str(tmp_path / "no_weights")),
                                              Parameter("synonyms_model_path", value="none")])
    tester = rclpy.create_node("missing_weights_tester")
    executor = SingleThreadedExecutor()
    executor.add_node(node)
    executor.add_node(tester)
    statuses = []
    try:
        tester.create_subscription(Status, "vlm_agent/status", statuses.append, LATCHED_QOS)
        command_pub = tester.create_publisher(Command, "vlm_agent/command", EVENTS_QOS)
        assert node.trigger_configure() == TransitionCallbackReturn.FAILURE
        assert node.lifecycle_state == "unconfigured" and not node.ready
        assert spin_until(executor, lambda: any("not available" in s.message for s in statuses), 10)
        status = next(s for s in statuses if "not available" in s.message)
        assert status.level == Status.ERROR and "huggingface-cli download" in status.message
        assert "OWL-ViT/OWLv2" in node.not_ready_detail
        assert not [sub.topic_name for sub in node.subscriptions]  # (the harness's own node is subscribed)
        del command_pub
    finally:
        executor.shutdown()
        node.destroy_node()
        tester.destroy_node()
