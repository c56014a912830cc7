"""The camera node publishes Image + CameraInfo (+ depth and pose for a SCENE_DIR) over DDS."""
import numpy as np
import pytest
from ros_helpers import rclpy, spin_until
from rclpy.executors import SingleThreadedExecutor
from rclpy.parameter import Parameter
from geometry_msgs.msg import PoseStamped
from sensor_msgs.msg import CameraInfo, Image

from vlm_agent.core.perception.scene_dir import write_scene_dir
from vlm_agent.ros.camera_node import CameraNode
from vlm_agent.ros.common import LATCHED_QOS, sensor_qos
from vlm_agent.ros.conversions import depth_from_ros, intrinsics_from_ros, rgb_from_ros

pytestmark = pytest.mark.ros


def _receive(source, want_depth):
    node = CameraNode(parameter_overrides=[Parameter("source", value=str(source)),
                                           Parameter("frame_rate", value=20.0)])
    tester = rclpy.create_node("camera_tester")
    got = {}
    for key, kind, topic, qos in (("rgb", Image, "camera/color/image_raw", sensor_qos("reliable")),
                                  ("info", CameraInfo, "camera/color/camera_info", sensor_qos("reliable")),
                                  ("depth", Image, "camera/depth/image_raw", sensor_qos("reliable")),
                                  ("pose", PoseStamped, "camera/pose", LATCHED_QOS)):
        tester.create_subscription(kind, topic, lambda m, k=key: got.__setitem__(k, m), qos)
    executor = SingleThreadedExecutor()
    executor.add_node(node)
    executor.add_node(tester)
    needed = ("rgb", "info", "depth", "pose") if want_depth else ("rgb", "info")
    assert spin_until(executor, lambda: all(k in got for k in needed), 20), sorted(got)
    executor.shutdown()
    node.destroy_node()
    tester.destroy_node()
    return got


def test_scene_dir_source_publishes_rgbd_intrinsics_and_pose(ros, tabletop, tmp_path):
    scene, rendered, frame, _ = tabletop
    write_scene_dir(tmp_path, rendered.rgb, rendered.depth_m, frame.intrinsics, frame.base_from_camera)
    got = _receive(tmp_path, want_depth=True)
    assert np.array_equal(rgb_from_ros(got["rgb"]), rendered.rgb)
    depth = depth_from_ros(got["depth"])
    valid = np.isfinite(rendered.depth_m)
    assert np.allclose(depth[valid], rendered.depth_m[valid], atol=0.001)
    assert intrinsics_from_ros(got["info"]) == frame.intrinsics
    assert got["pose"].pose.position.z == pytest.approx(frame.base_from_camera[2, 3])


def test_image_folder_source(ros, tmp_path):
    import cv2
    image = np.zeros((48, 64, 3), np.uint8)
    image[:, :, 2] = 200  # red in BGR
    cv2.imwrite(str(tmp_path / "a.png"), image)
    got = _receive(tmp_path, want_depth=False)
    rgb = rgb_from_ros(got["rgb"])
    assert rgb.shape == (48, 64, 3) and rgb[0, 0].tolist() == [200, 0, 0]
    assert got["info"].width == 64 and got["info"].k[0] > 0


def test_missing_source_fails_with_a_reason(ros, tmp_path):
    with pytest.raises(Exception, match="cannot open camera or video"):
        CameraNode(parameter_overrides=[Parameter("source", value=str(tmp_path / "missing.mp4"))])
