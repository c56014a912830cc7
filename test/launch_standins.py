"""launch/agent.launch.py loaded against recording stand-ins for the launch API (launch_ros is
on no registry reachable here), and the node processes it describes, as `ros2 launch` starts them."""
import importlib.util
import sys
import types
from pathlib import Path


class Recorder:
    def __init__(self, *args, **kwargs):
        self.args, self.kwargs = args, kwargs


class IfCondition(Recorder):
    holds_when = "true"


class UnlessCondition(Recorder):
    holds_when = "false"


class SetEnvironmentVariable(Recorder):
    pass


class LaunchConfiguration(Recorder):
    def perform(self, context: dict) -> str:  # the launch context, here a dict of argument values
        return context.get(self.args[0], "")


def load_launch_description(monkeypatch, launch_file: Path, share: Path, other_shares: dict | None = None):
    """`other_shares`: package name -> share folder, for launch files that find other packages."""
    modules = {name: types.ModuleType(name) for name in (
        "launch", "launch.actions", "launch.conditions", "launch.substitutions", "launch_ros", "launch_ros.actions",
        "ament_index_python", "ament_index_python.packages", "launch.launch_description_sources")}
    modules["launch"].LaunchDescription = Recorder
    for name in ("DeclareLaunchArgument", "OpaqueFunction", "IncludeLaunchDescription"):
        setattr(modules["launch.actions"], name, Recorder)
    modules["launch.launch_description_sources"].PythonLaunchDescriptionSource = Recorder
    modules["launch.actions"].SetEnvironmentVariable = SetEnvironmentVariable
    modules["launch.conditions"].IfCondition = IfCondition
    modules["launch.conditions"].UnlessCondition = UnlessCondition
    modules["launch.substitutions"].LaunchConfiguration = LaunchConfiguration
    modules["launch_ros.actions"].Node = Recorder
    modules["ament_index_python.packages"].get_package_share_directory = \
        lambda pkg: str((other_shares or {}).get(pkg, share))
    for name, module in modules.items():
        monkeypatch.setitem(sys.modules, name, module)
    spec = importlib.util.spec_from_file_location("agent_launch", launch_file)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.generate_launch_description()


def node_commands(description, lib_dir: Path, use_sim: bool = True) -> tuple[list[list[str]], dict]:
    """The command line of each node the description starts (as launch_ros builds it) and the
    environment variables it sets, with every launch argument at its default."""
    actions = description.args[0]
    defaults = {a.args[0]: a.kwargs["default_value"] for a in actions if "default_value" in a.kwargs}
    defaults["use_sim"] = "true" if use_sim else "false"
    env = {a.args[0]: a.args[1].perform(defaults) for a in actions if isinstance(a, SetEnvironmentVariable)}
    make_nodes = next(a for a in actions if "function" in a.kwargs).kwargs["function"]
    commands = []
    for node in make_nodes(defaults):
        condition = node.kwargs.get("condition")
        if condition is not None and condition.args[0].perform(defaults) != condition.holds_when:
            continue
        params_file, overrides = node.kwargs["parameters"]
        command = [str(lib_dir / node.kwargs["executable"]), "--ros-args", "-r", f"__node:={node.kwargs['name']}",
                   *node.kwargs.get("ros_arguments", []), "--params-file", params_file.perform(defaults)]
        for key, value in overrides.items():
            command += ["-p", f"{key}:={value}"]
        commands.append(command)
    return commands, env
