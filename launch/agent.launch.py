"""ros2 launch vlm_agent agent.launch.py [use_sim:=true] [camera_source:=0] [params_file:=...] [backend:=...]

The node list comes from vlm_agent.graph, shared with `vlm-agent launch`.
"""
import os

from ament_index_python.packages import get_package_share_directory
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, SetEnvironmentVariable
from launch.conditions import IfCondition, UnlessCondition
from launch.substitutions import LaunchConfiguration
from launch_ros.actions import Node

from vlm_agent.graph import NODES


def generate_launch_description():
    share = get_package_share_directory("vlm_agent")
    params_file = LaunchConfiguration("params_file")
    use_sim = LaunchConfiguration("use_sim")
    overrides = {
        "grounding": {"backend": LaunchConfiguration("backend")},
        "camera": {"source": LaunchConfiguration("camera_source")},
    }
    conditions = {"sim": IfCondition(use_sim), "camera": UnlessCondition(use_sim), "always": None}
    nodes = [
        Node(package="vlm_agent", executable=spec.executable, name=spec.name, output="screen",
             parameters=[params_file, overrides.get(spec.name, {})], condition=conditions[spec.when])
        for spec in NODES
    ]
    return LaunchDescription([
        DeclareLaunchArgument("use_sim", default_value="true",
                              description="Run the built-in tabletop simulator instead of a camera."),
        DeclareLaunchArgument("camera_source", default_value="0",
                              description="Camera node source: device index, video, image folder or SCENE_DIR."),
        DeclareLaunchArgument("params_file", default_value=os.path.join(share, "config", "agent.yaml"),
                              description="Parameters file for every node."),
        DeclareLaunchArgument("backend", default_value="rgbd_geometry", description="Grounding backend."),
        DeclareLaunchArgument("fastdds_profile", default_value=os.path.join(share, "config", "fastdds.xml"),
                              description="Fast DDS profile (large shared-memory segments for RGB-D frames); "
                                          "ignored by other RMW implementations."),
        SetEnvironmentVariable("FASTDDS_DEFAULT_PROFILES_FILE", LaunchConfiguration("fastdds_profile")),
        *nodes,
    ])
