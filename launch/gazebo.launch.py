"""ros2 launch vlm_agent gazebo.launch.py world_dir:=WORLD_DIR [gz_args:=-r] [params_file:=...] [backend:=...] ...

The agent in a gz sim world instead of the built-in simulator. Prepare WORLD_DIR once with
`vlm-agent export-gazebo SCENE WORLD_DIR` (world.sdf, bridge.yaml, gazebo_params.yaml, scene.yaml).
Starts:
  * gz sim with world.sdf (ros_gz_sim's gz_sim.launch.py),
  * ros_gz_bridge's parameter_bridge with bridge.yaml: the rgbd_camera's image, depth image and
    camera info onto camera/color/image_raw, camera/depth/image_raw, camera/color/camera_info,
    and gz's /clock; plus the world's set_pose service (ros_gz_interfaces/srv/SetEntityPose),
  * the agent graph as with use_sim:=false (guard, grounding, planner; the bridge stands in for the
    camera node), every node with use_sim_time:=true, grounding with the camera pose computed
    from the SDF (gazebo_params.yaml),
  * the Gazebo executor (vlm_agent/ros/gazebo_executor_node.py) with gazebo/set_pose remapped to
    the world's set_pose service.
"""
import os

import yaml
from ament_index_python.packages import get_package_share_directory
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, IncludeLaunchDescription, OpaqueFunction, SetEnvironmentVariable
from launch.launch_description_sources import PythonLaunchDescriptionSource
from launch.substitutions import LaunchConfiguration
from launch_ros.actions import Node

from vlm_agent.graph import LAUNCH_ARGUMENTS, NODES, parameter_overrides

WORLD_FILES = ("world.sdf", "bridge.yaml", "gazebo_params.yaml")
EXECUTOR = "gazebo_executor"


def world_files(world_dir: str) -> dict:
    """The files export-gazebo wrote, and the world's name; a clear error if the folder is not one."""
    paths = {name: os.path.join(world_dir, name) for name in WORLD_FILES}
    missing = [name for name, path in paths.items() if not os.path.isfile(path)]
    if missing:
        raise RuntimeError(f"world_dir '{world_dir}' lacks {', '.join(missing)}: write it with "
                           "`vlm-agent export-gazebo SCENE WORLD_DIR`")
    with open(paths["gazebo_params.yaml"]) as stream:
        params = yaml.safe_load(stream)
    paths["world_name"] = params[EXECUTOR]["ros__parameters"]["world_name"]
    return paths


def _actions(context):
    files = world_files(LaunchConfiguration("world_dir").perform(context))
    set_pose = f"/world/{files['world_name']}/set_pose"
    params_file = LaunchConfiguration("params_file")
    overrides = parameter_overrides({a.name: LaunchConfiguration(a.name).perform(context) for a in LAUNCH_ARGUMENTS})
    sim_time = {"use_sim_time": True}
    gz_sim = IncludeLaunchDescription(
        PythonLaunchDescriptionSource(os.path.join(get_package_share_directory("ros_gz_sim"), "launch",
                                                   "gz_sim.launch.py")),
        launch_arguments={"gz_args": f"{LaunchConfiguration('gz_args').perform(context)} {files['world.sdf']}"}.items())
    bridge = Node(package="ros_gz_bridge", executable="parameter_bridge", name="gz_bridge", output="screen",
                  parameters=[{"config_file": files["bridge.yaml"], **sim_time}],
                  arguments=[f"{set_pose}@ros_gz_interfaces/srv/SetEntityPose"])
    agent = [Node(package="vlm_agent", executable=spec.executable, name=spec.name, output="screen",
                  parameters=[params_file, files["gazebo_params.yaml"], {**sim_time, **overrides.get(spec.name, {})}],
                  ros_arguments=["--enclave", spec.enclave])
             for spec in NODES if spec.when == "always"]
    executor = Node(package="vlm_agent", executable="gazebo_executor_node", name=EXECUTOR, output="screen",
                    parameters=[params_file, files["gazebo_params.yaml"], sim_time],
                    remappings=[("gazebo/set_pose", set_pose)], ros_arguments=["--enclave", "/vlm_agent/sim"])
    return [gz_sim, bridge, *agent, executor]


def generate_launch_description():
    share = get_package_share_directory("vlm_agent")
    return LaunchDescription([
        DeclareLaunchArgument("world_dir", description="Folder written by `vlm-agent export-gazebo SCENE WORLD_DIR`."),
        DeclareLaunchArgument("gz_args", default_value="-r", description="Arguments for gz sim before the world "
                              "file (-r: run at once; add -s for a server without GUI)."),
        DeclareLaunchArgument("params_file", default_value=os.path.join(share, "config", "agent.yaml"),
                              description="Parameters file for every node."),
        *[DeclareLaunchArgument(a.name, default_value="", description=f"{a.description} ('' = params file)")
          for a in LAUNCH_ARGUMENTS if a.node != "camera"],
        DeclareLaunchArgument("fastdds_profile", default_value=os.path.join(share, "config", "fastdds.xml"),
                              description="Fast DDS profile (large shared-memory segments for RGB-D frames); "
                                          "ignored by other RMW implementations."),
        SetEnvironmentVariable("FASTDDS_DEFAULT_PROFILES_FILE", LaunchConfiguration("fastdds_profile")),
        OpaqueFunction(function=_actions),
    ])
