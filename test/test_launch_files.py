"""launch/agent.launch.py (ros2 launch) and the project launcher start the same graph from one config.

launch_ros is on no registry reachable here, so the launch file is loaded against recording
stand-ins for the launch API; a real ROS 2 install runs it unchanged.
"""
import importlib.util
import sys
import types
from pathlib import Path

import yaml

from vlm_agent.graph import NODES, default_params_file, selected_nodes
from vlm_agent.launcher import Graph

REPO = Path(__file__).resolve().parents[1]


class Recorder:
    def __init__(self, *args, **kwargs):
        self.args, self.kwargs = args, kwargs


def _load_launch_file(monkeypatch):
    modules = {name: types.ModuleType(name) for name in (
        "launch", "launch.actions", "launch.conditions", "launch.substitutions", "launch_ros", "launch_ros.actions",
        "ament_index_python", "ament_index_python.packages")}
    modules["launch"].LaunchDescription = Recorder
    for name in ("DeclareLaunchArgument", "SetEnvironmentVariable"):
        setattr(modules["launch.actions"], name, Recorder)
    modules["launch.conditions"].IfCondition = modules["launch.conditions"].UnlessCondition = Recorder
    modules["launch.substitutions"].LaunchConfiguration = Recorder
    modules["launch_ros.actions"].Node = Recorder
    modules["ament_index_python.packages"].get_package_share_directory = lambda pkg: str(REPO)
    for name, module in modules.items():
        monkeypatch.setitem(sys.modules, name, module)
    spec = importlib.util.spec_from_file_location("agent_launch", REPO / "launch" / "agent.launch.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.generate_launch_description()


def test_launch_file_starts_every_node_with_the_params_file(monkeypatch):
    description = _load_launch_file(monkeypatch)
    actions = description.args[0]
    nodes = [a for a in actions if "executable" in a.kwargs]
    assert [n.kwargs["name"] for n in nodes] == [spec.name for spec in NODES]
    for node in nodes:
        assert (REPO / "scripts" / node.kwargs["executable"]).exists()
        assert node.kwargs["package"] == "vlm_agent"
        assert node.kwargs["parameters"][0].args == ("params_file",)
    arguments = {a.args[0] for a in actions if "default_value" in a.kwargs}
    assert arguments == {"use_sim", "camera_source", "params_file", "backend", "fastdds_profile"}


def test_config_has_a_block_for_every_node_and_both_launchers_use_it():
    config = yaml.safe_load(default_params_file().read_text())
    assert set(config) == {spec.name for spec in NODES}
    assert all("ros__parameters" in block for block in config.values())
    graph = Graph(use_sim=True, overrides={"grounding": {"backend": "rgbd_geometry"}})
    command = graph.command(next(s for s in graph.nodes if s.name == "grounding"))
    assert command[command.index("--params-file") + 1] == str(default_params_file())
    assert "backend:=rgbd_geometry" in command
    assert [s.name for s in selected_nodes(False)] == ["camera", "guard", "grounding", "planner"]


def test_node_parameters_in_config_are_declared_by_the_nodes():
    """Every key in config/agent.yaml is a parameter its node declares (no silently ignored settings)."""
    config = yaml.safe_load(default_params_file().read_text())
    for spec in NODES:
        source = (REPO / "vlm_agent" / "ros" / f"{spec.name}_node.py").read_text()
        for key in config[spec.name]["ros__parameters"]:
            assert f'"{key}"' in source, f"{spec.name}: {key} is not declared"
