"""ros_gz_bridge configuration: the gz camera and clock onto the topics the grounding node reads.

Format: the bridge's YAML (a list of maps with ros_topic_name, gz_topic_name, ros_type_name,
gz_type_name, direction), loaded with `parameter_bridge --ros-args -p config_file:=bridge.yaml`.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..sim.scene import SceneSpec
from .sdf import camera_topics

GZ_TO_ROS = "GZ_TO_ROS"


@dataclass(frozen=True)
class BridgedTopic:
    ros_topic_name: str
    gz_topic_name: str
    ros_type_name: str
    gz_type_name: str
    direction: str = GZ_TO_ROS

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def bridge_topics(scene: SceneSpec) -> list[BridgedTopic]:
    gz = camera_topics(scene)
    return [
        BridgedTopic("camera/color/image_raw", gz.image, "sensor_msgs/msg/Image", "gz.msgs.Image"),
        BridgedTopic("camera/depth/image_raw", gz.depth, "sensor_msgs/msg/Image", "gz.msgs.Image"),
        BridgedTopic("camera/color/camera_info", gz.camera_info, "sensor_msgs/msg/CameraInfo", "gz.msgs.CameraInfo"),
        BridgedTopic("/clock", "/clock", "rosgraph_msgs/msg/Clock", "gz.msgs.Clock"),
    ]


def set_pose_service(scene: SceneSpec) -> str:
    """gz sim's UserCommands service that moves an entity; bridged as ros_gz_interfaces/srv/SetEntityPose."""
    return f"/world/{scene.name}/set_pose"
