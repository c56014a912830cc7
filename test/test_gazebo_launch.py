"""launch/gazebo.launch.py, loaded against the recording stand-ins for the launch API (launch_ros and
ros_gz are on no registry reachable here), on a world folder written by export-gazebo."""
from pathlib import Path

import pytest
import yaml
from launch_standins import LaunchConfiguration, Recorder, load_launch_description

from vlm_agent.core.gazebo.export import export_gazebo
from vlm_agent.graph import LAUNCH_ARGUMENTS, NODES
from vlm_agent.ros.gazebo_executor_node import SET_POSE_SERVICE

REPO = Path(__file__).resolve().parents[1]
ROS_GZ_SIM = Path("/opt/ros/kilted/share/ros_gz_sim")


@pytest.fixture
def launched(monkeypatch, tmp_path):
    world = tmp_path / "world"
    export_gazebo("tabletop", world)
    description = load_launch_description(monkeypatch, REPO / "launch" / "gazebo.launch.py", REPO,
                                          {"ros_gz_sim": ROS_GZ_SIM})
    actions = description.args[0]
    make = next(a for a in actions if "function" in a.kwargs).kwargs["function"]
    arguments = {a.args[0]: a.kwargs.get("default_value") for a in actions
                 if isinstance(a, Recorder) and "description" in a.kwargs}
    return world, make, arguments


def _context(arguments, **values):
    context = {k: v for k, v in arguments.items() if v is not None}
    context.update(values)
    return context


def test_arguments_are_declared_with_defaults(launched):
    _, _, arguments = launched
    expected = {"world_dir", "gz_args", "params_file", "fastdds_profile"} | \
        {a.name for a in LAUNCH_ARGUMENTS if a.node != "camera"}
    assert set(arguments) == expected
    assert arguments["world_dir"] is None  # required: no default
    assert arguments["gz_args"] == "-r" and arguments["params_file"] == str(REPO / "config" / "agent.yaml")
    assert all(arguments[a.name] == "" for a in LAUNCH_ARGUMENTS if a.node != "camera")


def test_gz_sim_bridge_agent_and_executor(launched):
    world, make, arguments = launched
    gz_sim, bridge, *nodes = make(_context(arguments, world_dir=str(world)))
    source = gz_sim.args[0]
    assert source.args[0] == str(ROS_GZ_SIM / "launch" / "gz_sim.launch.py")
    assert dict(gz_sim.kwargs["launch_arguments"]) == {"gz_args": f"-r {world / 'world.sdf'}"}
    assert (bridge.kwargs["package"], bridge.kwargs["executable"]) == ("ros_gz_bridge", "parameter_bridge")
    assert bridge.kwargs["parameters"] == [{"config_file": str(world / "bridge.yaml"), "use_sim_time": True}]
    assert bridge.kwargs["arguments"] == ["/world/tabletop/set_pose@ros_gz_interfaces/srv/SetEntityPose"]
    by_name = {n.kwargs["name"]: n for n in nodes}
    assert set(by_name) == {s.name for s in NODES if s.when == "always"} | {"gazebo_executor"}
    for node in nodes:  # what use_sim:=false starts, minus the camera node (the bridge replaces it)
        assert node.kwargs["package"] == "vlm_agent" and (REPO / "scripts" / node.kwargs["executable"]).exists()
        params_file, gz_params, overrides = node.kwargs["parameters"]
        assert isinstance(params_file, LaunchConfiguration) and params_file.args == ("params_file",)
        assert gz_params == str(world / "gazebo_params.yaml") and overrides["use_sim_time"] is True
    remaps = by_name["gazebo_executor"].kwargs["remappings"]
    assert remaps == [(SET_POSE_SERVICE, "/world/tabletop/set_pose")]
    bridged = bridge.kwargs["arguments"][0].split("@")[0]
    assert all(target == bridged for _, target in remaps)  # the remap lands on the bridged service
    params = yaml.safe_load(Path(by_name["grounding"].kwargs["parameters"][1]).read_text())
    assert len(params["grounding"]["ros__parameters"]["base_from_camera"]) == 16


def test_arguments_override_only_what_they_name(launched):
    world, make, arguments = launched
    nodes = {n.kwargs.get("name"): n for n in make(_context(arguments, world_dir=str(world), backend="owl",
                                                             model_path="/m/owlv2", gz_args="-r -s"))}
    assert nodes["grounding"].kwargs["parameters"][2] == {"use_sim_time": True, "backend": "owl",
                                                          "model_path": "/m/owlv2"}
    assert nodes["guard"].kwargs["parameters"][2] == {"use_sim_time": True}
    gz_sim = next(a for a in nodes.values() if "launch_arguments" in a.kwargs)
    assert dict(gz_sim.kwargs["launch_arguments"])["gz_args"].startswith("-r -s ")


def test_a_folder_that_is_not_an_export_is_named(launched, tmp_path):
    _, make, arguments = launched
    with pytest.raises(RuntimeError, match="lacks world.sdf, bridge.yaml, gazebo_params.yaml.*export-gazebo"):
        make(_context(arguments, world_dir=str(tmp_path / "empty")))


def test_package_xml_declares_the_gazebo_dependencies():
    text = (REPO / "package.xml").read_text()
    for package in ("ros_gz_sim", "ros_gz_bridge", "ros_gz_interfaces"):
        assert f"<exec_depend>{package}</exec_depend>" in text


def test_the_launch_testing_example_is_valid_python_with_the_launch_testing_entry_points():
    import ast
    path = REPO / "test" / "launch_testing" / "scenarios.launch.py"
    tree = ast.parse(path.read_text(), filename=str(path))
    names = {node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.ClassDef))}
    assert {"generate_test_description", "TestScenariosRun", "TestScenariosPassed"} <= names
    assert "add_launch_test(test/launch_testing/scenarios.launch.py" in (REPO / "CMakeLists.txt").read_text()
    command = next(n for n in ast.walk(tree) if isinstance(n, ast.keyword) and n.arg == "cmd")
    assert [getattr(e, "value", None) for e in command.value.elts[1:4]] == ["-m", "vlm_agent.cli", "test-scenarios"]
