"""The TF camera-pose adapter: the lookup it makes (frames, the image's stamp), the matrix it
returns, a clear error without a transform, and a clear configure error where tf2_ros is missing."""
import importlib.util

import numpy as np
import pytest

pytest.importorskip("rclpy")
from geometry_msgs.msg import TransformStamped  # noqa: E402

from vlm_agent.core.errors import InputError  # noqa: E402
from vlm_agent.ros.conversions import quaternion_from_matrix  # noqa: E402
from vlm_agent.ros.tf_camera_pose import TfCameraPose  # noqa: E402


class Buffer:
    """tf2_ros.Buffer's lookup_transform, with one known transform."""

    def __init__(self, transform):
        self.transform, self.asked = transform, []

    def lookup_transform(self, target, source, time, timeout=None):
        self.asked.append((target, source, time.nanoseconds))
        if (target, source) != ("base_link", "camera_color_optical_frame"):
            raise LookupError(f'"{source}" passed to lookupTransform argument source_frame does not exist')
        msg = TransformStamped()
        t = msg.transform
        t.translation.x, t.translation.y, t.translation.z = self.transform[:3, 3]
        t.rotation.x, t.rotation.y, t.rotation.z, t.rotation.w = quaternion_from_matrix(self.transform[:3, :3])
        return msg


def test_pose_is_looked_up_at_the_images_frame_and_time():
    transform = np.eye(4)
    transform[:3, :3] = [[0, 0, 1], [-1, 0, 0], [0, -1, 0]]  # optical frame looking along base x
    transform[:3, 3] = (0.1, 0.0, 0.8)
    buffer = Buffer(transform)
    adapter = TfCameraPose(None, "base_link", buffer=buffer)
    assert np.allclose(adapter.base_from_camera("camera_color_optical_frame", 1_500_000_000), transform)
    assert buffer.asked == [("base_link", "camera_color_optical_frame", 1_500_000_000)]
    with pytest.raises(InputError, match="no TF transform base_link <- wrist_camera"):
        adapter.base_from_camera("wrist_camera", 0)


@pytest.mark.skipif(importlib.util.find_spec("tf2_ros") is not None, reason="tf2_ros is installed here")
def test_without_tf2_ros_configure_fails_and_says_what_to_do(ros):
    from rclpy.lifecycle import TransitionCallbackReturn
    from rclpy.parameter import Parameter
    from vlm_agent.ros.grounding_node import GroundingNode
    node = GroundingNode(parameter_overrides=[Parameter("camera_pose_source", value="tf"),
                                              Parameter("synonyms_model_path", value="none")])
    try:
        assert node.trigger_configure() == TransitionCallbackReturn.FAILURE
        assert "tf2_ros is not importable" in node.not_ready_detail and "camera/pose" in node.not_ready_detail
    finally:
        node.destroy_node()
