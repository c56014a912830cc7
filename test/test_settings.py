"""Each setting declared once: the schema's defaults are valid, config/agent.yaml and the README
tables agree with it, bad params files are errors naming file, node and key, and the launch
arguments and CLI flags are derived from it."""
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from vlm_agent.core.settings import NODE_SETTINGS, SettingsError, settings_fields, settings_from
from vlm_agent.core.settings.docs import with_tables
from vlm_agent.core.settings.params_file import load_params_file

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("node", sorted(NODE_SETTINGS))
def test_every_default_is_valid_and_documented(node):
    for info in settings_fields(NODE_SETTINGS[node]):
        assert info.problem(info.default) == "", (node, info.name)
        assert info.description.strip(), (node, info.name)
        assert info.safer in ("", "lower", "higher", "more") and (not info.safer or info.runtime)


def test_agent_yaml_is_valid_and_spells_the_schema_defaults():
    path = REPO / "config" / "agent.yaml"
    loaded = load_params_file(path)
    assert set(loaded) == set(NODE_SETTINGS)
    for node, block in yaml.safe_load(path.read_text()).items():
        defaults = NODE_SETTINGS[node]()
        for key in block["ros__parameters"]:
            assert getattr(loaded[node], key) == getattr(defaults, key), f"agent.yaml {node}.{key} != schema default"


def test_readme_tables_are_the_generated_ones():
    readme = (REPO / "README.md").read_text()
    assert with_tables(readme) == readme, "README tables are stale: run scripts/settings_tables.py"
    done = subprocess.run([sys.executable, str(REPO / "scripts" / "settings_tables.py"), "--check"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_stale_readme_table_is_detected():
    readme = (REPO / "README.md").read_text().replace("| `max_speed` | float | `0.5` |", "| `max_speed` | float | `0.9` |", 1)
    assert with_tables(readme) != readme


@pytest.mark.parametrize("block, expected", [
    ({"guard": {"ros__parameters": {"max_sped": 0.4}}}, "unknown setting 'max_sped'"),
    ({"guard": {"ros__parameters": {"max_speed": "fast"}}}, "'max_speed' must be a number, got 'fast'"),
    ({"guard": {"ros__parameters": {"near_person": "ignore"}}}, "'near_person' must be one of refuse, slow"),
    ({"guard": {"ros__parameters": {"workspace_min": [0.1, 0.2]}}}, "'workspace_min' must have 3 values"),
    ({"guard": {"ros__parameters": {"keep_out_zones": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]}}}, "multiple of 6"),
    ({"planner": {"ros__parameters": {"lift_height": -0.1}}}, "'lift_height' must be >= 0"),
    ({"camera": {"ros__parameters": {"source": 0}}}, "'source' must be a string (quote it in YAML)"),
    ({"vocie": {"ros__parameters": {}}}, "unknown node block 'vocie'"),
    ({"voice": {"ros__parameters": {"activation": "always"}}}, "'activation' must be one of always_on"),
    ({"people": {"ros__parameters": {"base_from_camera": [1.0, 0.0]}}}, "'base_from_camera' must have 16 values"),
])
def test_bad_params_files_name_the_file_the_node_and_the_key(tmp_path, block, expected):
    path = tmp_path / "agent.yaml"
    path.write_text(yaml.safe_dump(block))
    with pytest.raises(SettingsError) as error:
        load_params_file(path)
    assert expected in str(error.value) and str(path) in str(error.value)


def test_use_sim_time_is_accepted_in_any_block(tmp_path):
    path = tmp_path / "agent.yaml"
    path.write_text("guard:\n  ros__parameters:\n    use_sim_time: true\n")
    assert set(load_params_file(path)) == {"guard"}
    path.write_text("guard:\n  ros__parameters:\n    use_sim_time: 'yes'\n")
    with pytest.raises(SettingsError, match="use_sim_time' must be bool"):
        load_params_file(path)


def test_an_integer_where_a_float_is_declared_is_accepted_as_float():
    from vlm_agent.core.settings.nodes import PlannerSettings
    assert settings_from(PlannerSettings, {"max_speed": 1}, "test").max_speed == 1.0


def test_run_time_rules():
    from vlm_agent.core.settings.nodes import GroundingSettings, GuardSettings
    guard = {i.name: i for i in settings_fields(GuardSettings)}
    assert guard["max_speed"].runtime_problem(0.5, 0.3) == ""
    assert "only be lowered" in guard["max_speed"].runtime_problem(0.5, 0.8)
    assert "only be raised" in guard["person_clearance"].runtime_problem(0.35, 0.1)
    assert guard["forbidden_labels"].runtime_problem(("knife",), ("knife", "saw")) == ""
    assert "removing knife refused" in guard["forbidden_labels"].runtime_problem(("knife", "saw"), ("saw",))
    assert "cannot change while it runs" in guard["workspace_min"].runtime_problem((0, 0, 0), (1, 1, 1))
    grounding = {i.name: i for i in settings_fields(GroundingSettings)}
    assert "cannot change" in grounding["backend"].runtime_problem("rgbd_geometry", "owl")
    assert grounding["max_frame_age_s"].runtime_problem(2.0, 5.0) == ""


def test_launch_arguments_and_cli_flags_come_from_the_schema():
    from vlm_agent.cli import build_parser
    from vlm_agent.graph import LAUNCH_ARGUMENTS
    marked = {(node, i.name): i.launch for node, cls in NODE_SETTINGS.items() for i in settings_fields(cls) if i.launch}
    assert {(a.node, a.parameter): a.name for a in LAUNCH_ARGUMENTS} == marked
    parser = build_parser()
    launch = parser.parse_args(["launch", "--backend", "owl", "--autostart", "false", "--camera-source", "0"])
    assert (launch.backend, launch.autostart, launch.camera_source) == ("owl", "false", "0")
    ground = parser.parse_args(["ground", "d", "-c", "x", "--runtime", "onnx", "--remote-timeout-s", "3"])
    assert ground.runtime == "onnx" and ground.remote_timeout_s == 3.0
    with pytest.raises(SystemExit):
        parser.parse_args(["ground", "d", "-c", "x", "--runtime", "cuda"])  # choices from the schema


def test_launch_overrides_are_typed_by_the_schema():
    from vlm_agent.graph import parameter_overrides
    overrides = parameter_overrides({"autostart": "false", "camera_source": "0", "backend": "owl"})
    assert overrides == {"lifecycle_manager": {"autostart": False}, "camera": {"source": "0"},
                         "grounding": {"backend": "owl"}}
    with pytest.raises(SettingsError, match="autostart must be true or false"):
        parameter_overrides({"autostart": "maybe"})


def test_vlm_agent_launch_refuses_a_bad_params_file(tmp_path):
    from vlm_agent.launcher import run_graph
    path = tmp_path / "agent.yaml"
    path.write_text("guard:\n  ros__parameters:\n    max_sped: 0.4\n")
    assert run_graph(True, str(path), {}) == 2


def test_launcher_command_lines_keep_string_settings_strings_and_pass_lists_as_written():
    from vlm_agent.launcher import Graph
    graph = Graph(use_sim=False, overrides={"camera": {"source": "0"}, "guard": {"workspace_max": "[1.0,0.05,0.6]"}})
    commands = {spec.name: graph.command(spec) for spec in graph.nodes}
    assert 'source:="0"' in commands["camera"] and "workspace_max:=[1.0,0.05,0.6]" in commands["guard"]
