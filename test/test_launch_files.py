"""launch/agent.launch.py (ros2 launch) and the project launcher start the same graph from one config.

launch_ros is on no registry reachable here, so the launch file is loaded against recording
stand-ins for the launch API; a real ROS 2 install runs it unchanged.
"""
from pathlib import Path

import yaml
from launch_standins import load_launch_description

from vlm_agent.graph import LAUNCH_ARGUMENTS, NODES, default_params_file, selected_nodes
from vlm_agent.launcher import Graph

REPO = Path(__file__).resolve().parents[1]


def _load_launch_file(monkeypatch):
    return load_launch_description(monkeypatch, REPO / "launch" / "agent.launch.py", REPO)


def test_launch_file_starts_every_node_with_the_params_file(monkeypatch):
    actions = _load_launch_file(monkeypatch).args[0]
    make_nodes = next(a for a in actions if "function" in a.kwargs).kwargs["function"]
    nodes = make_nodes({})
    assert [n.kwargs["name"] for n in nodes] == [spec.name for spec in NODES]
    for node in nodes:
        assert (REPO / "scripts" / node.kwargs["executable"]).exists()
        assert node.kwargs["package"] == "vlm_agent"
        assert node.kwargs["parameters"][0].args == ("params_file",)
        assert node.kwargs["parameters"][1] == {}  # no argument given: the params file decides
    arguments = {a.args[0]: a.kwargs["default_value"] for a in actions if "default_value" in a.kwargs}
    assert {"use_sim", "params_file", "fastdds_profile"} | {a.name for a in LAUNCH_ARGUMENTS} == set(arguments)
    assert all(arguments[a.name] == "" for a in LAUNCH_ARGUMENTS)


def test_launch_arguments_override_only_what_they_name(monkeypatch):
    actions = _load_launch_file(monkeypatch).args[0]
    make_nodes = next(a for a in actions if "function" in a.kwargs).kwargs["function"]
    nodes = {n.kwargs["name"]: n for n in make_nodes({"backend": "owl", "model_path": "/models/owlv2",
                                                      "runtime": "tensorrt", "onnx_dir": "/models/onnx",
                                                      "device": "cuda", "camera_source": ""})}
    assert nodes["grounding"].kwargs["parameters"][1] == {"backend": "owl", "model_path": "/models/owlv2",
                                                          "runtime": "tensorrt", "onnx_dir": "/models/onnx",
                                                          "device": "cuda"}
    assert nodes["camera"].kwargs["parameters"][1] == {}
    config = yaml.safe_load(default_params_file().read_text())
    for argument in LAUNCH_ARGUMENTS:  # every argument names a parameter the params file sets
        assert argument.parameter in config[argument.node]["ros__parameters"]


def test_config_has_a_block_for_every_node_and_both_launchers_use_it():
    config = yaml.safe_load(default_params_file().read_text())
    assert set(config) == {spec.name for spec in NODES}
    assert all("ros__parameters" in block for block in config.values())
    graph = Graph(use_sim=True, overrides={"grounding": {"backend": "rgbd_geometry"}})
    command = graph.command(next(s for s in graph.nodes if s.name == "grounding"))
    assert command[command.index("--params-file") + 1] == str(default_params_file())
    assert "backend:=rgbd_geometry" in command
    assert [s.name for s in selected_nodes(False)] == ["camera", "guard", "grounding", "planner", "lifecycle_manager"]
