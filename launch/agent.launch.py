"""ros2 launch vlm_agent agent.launch.py [use_sim:=true] [params_file:=...] [backend:=owl model_path:=...] ...

The node list and the parameter-overriding arguments come from vlm_agent.graph, shared with
`vlm-agent launch`; an argument left empty keeps the params file's value. The params file is
checked against the settings schema before any node starts. The lifecycle_manager node brings
grounding, planner, people, (voice:=true) voice and guard up (autostart:=false leaves them unconfigured).
"""
import os

from ament_index_python.packages import get_package_share_directory
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, OpaqueFunction, SetEnvironmentVariable
from launch.conditions import IfCondition, UnlessCondition
from launch.substitutions import LaunchConfiguration
from launch_ros.actions import Node

from vlm_agent.core.settings.params_file import load_params_file
from vlm_agent.graph import LAUNCH_ARGUMENTS, NODES, managed_nodes, parameter_overrides, voice_enabled


def _nodes(context):
    params_file = LaunchConfiguration("params_file").perform(context)
    if params_file:
        load_params_file(params_file)  # unknown or mistyped keys stop the launch, naming key and file
    values = {a.name: LaunchConfiguration(a.name).perform(context) for a in LAUNCH_ARGUMENTS}
    overrides = parameter_overrides(values)
    if LaunchConfiguration("voice").perform(context).lower() == "true":  # the manager brings voice up too
        overrides.setdefault("lifecycle_manager", {})["node_names"] = managed_nodes(params_file or None, True)
    use_sim = LaunchConfiguration("use_sim")
    conditions = {"sim": IfCondition(use_sim), "camera": UnlessCondition(use_sim), "always": None,
                  "voice": IfCondition(LaunchConfiguration("voice"))}
    return [Node(package="vlm_agent", executable=spec.executable, name=spec.name, output="screen",
                 parameters=[LaunchConfiguration("params_file"), overrides.get(spec.name, {})],
                 ros_arguments=["--enclave", spec.enclave],  # used only with ROS_SECURITY_ENABLE=true
                 condition=conditions[spec.when])
            for spec in NODES]


def generate_launch_description():
    share = get_package_share_directory("vlm_agent")
    return LaunchDescription([
        DeclareLaunchArgument("use_sim", default_value="true",
                              description="Run the built-in tabletop simulator instead of a camera."),
        DeclareLaunchArgument("params_file", default_value=os.path.join(share, "config", "agent.yaml"),
                              description="Parameters file for every node."),
        *[DeclareLaunchArgument(a.name, default_value="", description=f"{a.description} ('' = params file)")
          for a in LAUNCH_ARGUMENTS],
        DeclareLaunchArgument("voice", default_value="true" if voice_enabled(os.path.join(share, "config",
                                                                                          "agent.yaml")) else "false",
                              description="true: also start the voice (speech in) and speech (spoken answers) "
                                          "nodes (default: voice.enabled in config/agent.yaml, false)."),
        DeclareLaunchArgument("fastdds_profile", default_value=os.path.join(share, "config", "fastdds.xml"),
                              description="Fast DDS profile (large shared-memory segments for RGB-D frames); "
                                          "ignored by other RMW implementations."),
        SetEnvironmentVariable("FASTDDS_DEFAULT_PROFILES_FILE", LaunchConfiguration("fastdds_profile")),
        OpaqueFunction(function=_nodes),
    ])
