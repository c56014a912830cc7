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
    assert {"use_sim", "params_file", "fastdds_profile", "voice"} | {a.name for a in LAUNCH_ARGUMENTS} == set(arguments)
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
    assert [s.name for s in selected_nodes(False)] == ["camera", "guard", "grounding", "planner", "people",
                                                       "lifecycle_manager"]
    assert [s.name for s in selected_nodes(True, voice=True)] == ["sim", "guard", "grounding", "planner", "people",
                                                                  "voice", "speech", "lifecycle_manager"]


def test_voice_nodes_are_off_by_default_and_on_with_the_voice_argument(monkeypatch, tmp_path):
    from launch_standins import node_commands
    from vlm_agent.graph import voice_enabled
    description = _load_launch_file(monkeypatch)
    arguments = {a.args[0]: a.kwargs["default_value"] for a in description.args[0] if "default_value" in a.kwargs}
    assert arguments["voice"] == "false" and not voice_enabled()
    commands, _ = node_commands(description, tmp_path)
    assert [Path(c[0]).name for c in commands] == ["sim_node", "guard_node", "grounding_node", "planner_node",
                                                    "people_node", "lifecycle_manager"]
    make_nodes = next(a for a in description.args[0] if "function" in a.kwargs).kwargs["function"]
    voice_nodes = [n for n in make_nodes({}) if n.kwargs["name"] in ("voice", "speech")]
    assert [n.kwargs["condition"].args[0].perform({"voice": "true"}) for n in voice_nodes] == ["true", "true"]
    assert [s.name for s in Graph(use_sim=True).nodes] == ["sim", "guard", "grounding", "planner", "people",
                                                           "lifecycle_manager"]
    assert [s.name for s in Graph(use_sim=True, voice=True).nodes][-3:] == ["voice", "speech", "lifecycle_manager"]
    enabled = tmp_path / "agent.yaml"
    enabled.write_text(default_params_file().read_text().replace("enabled: false", "enabled: true"))
    assert [s.name for s in Graph(use_sim=True, params_file=enabled).nodes][-3:] == ["voice", "speech",
                                                                                     "lifecycle_manager"]


def test_the_lifecycle_manager_brings_the_voice_node_up_only_when_it_runs(monkeypatch):
    import json
    manager = next(s for s in NODES if s.name == "lifecycle_manager")
    without = Graph(use_sim=True, voice=False)
    assert "node_names" not in " ".join(without.command(manager))
    default = yaml.safe_load(default_params_file().read_text())["lifecycle_manager"]["ros__parameters"]["node_names"]
    assert "people" in default and "voice" not in default and default[-1] == "guard"
    command = Graph(use_sim=True, voice=True).command(manager)
    names = json.loads(next(a for a in command if a.startswith("node_names:=")).split(":=", 1)[1])
    assert names == [*default[:-1], "voice", "guard"]
    make_nodes = next(a for a in _load_launch_file(monkeypatch).args[0] if "function" in a.kwargs).kwargs["function"]
    launched = {n.kwargs["name"]: n for n in make_nodes({"voice": "true", "params_file": str(default_params_file())})}
    assert launched["lifecycle_manager"].kwargs["parameters"][1] == {"node_names": names}
    quiet = {n.kwargs["name"]: n for n in make_nodes({"voice": "false"})}
    assert quiet["lifecycle_manager"].kwargs["parameters"][1] == {}
