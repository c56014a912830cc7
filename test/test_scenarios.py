"""Scenario files: parsing with errors that name file and field, the checks, the report, and the
shipped example files run through the in-process command path on the simulator."""
import os
import signal
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
import yaml

from vlm_agent.core.errors import InputError
from vlm_agent.core.scenarios.checks import failures
from vlm_agent.core.scenarios.pipeline import CommandRun
from vlm_agent.core.scenarios.report import CaseResult, table, write_junit
from vlm_agent.core.scenarios.runner import InProcessDriver, run_file, run_files
from vlm_agent.core.scenarios.spec import Expectation, ObjectExpectation, load_scenarios

pytestmark = pytest.mark.slow  # runs scenario files through the pipeline and the CLI

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((REPO / "config" / "scenarios").glob("*.yaml"))


@pytest.fixture(scope="module")
def driver():
    from vlm_agent.core.scenarios.pipeline import stages_from_params
    from vlm_agent.graph import default_params_file
    return InProcessDriver(stages_from_params(default_params_file()))


def _write(tmp_path, text: str, name: str = "cases.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize("text, message", [
    ("scenes: [{scene: tabletop, cases: [{command: pick up the red cube, expect: {status: done}}]}]",
     "scenes[0].cases[0].expect.status: 'done' is not one of: executed"),
    ("scenes: [{scene: tabletop, cases: [{expect: {status: executed}}]}]", "scenes[0].cases[0].command: is required"),
    ("scenes: [{scene: tabletop, cases: [{command: x, expect: {stauts: executed}}]}]",
     "scenes[0].cases[0].expect: unknown field 'stauts'"),
    ("scenes: [{scene: tabletop, cases: [{command: x, expect: {objects: {red_cube: {at: [0.5, 0.1]}}}}]}]",
     "scenes[0].cases[0].expect.objects.red_cube.at: must be [x, y, z]"),
    ("scenes: [{scene: tabletop, cases: [{command: x}]}]", "scenes[0].cases[0].expect: states nothing to check"),
    ("scenes: [{scene: tabletop, cases: [{command: x, expect: {max_latency_ms: fast}}]}]",
     "scenes[0].cases[0].expect.max_latency_ms: must be float, got 'fast'"),
    ("scenes: [{scene: tabletop, cases: [{command: x, expect: {plan_released: 'yes'}}]}]",
     "scenes[0].cases[0].expect.plan_released: must be bool"),
    ("scenes: []", "scenes: must list at least one scene"),
    ("name: x", "scenes: is required"),
    ("scenes: [{scene: tabletop, cases: [{command: x, expect: {status: executed}}]}]\ndefaults: {tolerance_m: -1}",
     "defaults.tolerance_m: must be >= 0"),
    ("scenes: [{scene: tabletop, cases: {command: x}}]", "scenes[0].cases: must be list"),
    ("scenes: [{scene: tabletop, cases: [{command: x, expect: {status: [executed}}]}]", "not valid YAML"),
])
def test_bad_scenario_files_name_the_file_and_the_field(tmp_path, text, message):
    path = _write(tmp_path, text)
    with pytest.raises(InputError) as error:
        load_scenarios(path)
    assert str(path) in str(error.value) and message in str(error.value), str(error.value)


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(InputError, match="cannot read scenario file .*absent.yaml"):
        load_scenarios(tmp_path / "absent.yaml")


def test_scene_files_are_found_relative_to_the_scenario_file_and_defaults_apply(tmp_path):
    path = _write(tmp_path, "defaults: {tolerance_m: 0.05, max_latency_ms: 900}\n"
                  "scenes: [{scene: scenes/mine.yaml, cases: [{command: pick up the red cube, expect: "
                  "{objects: {red_cube: {at: [0.5, null, 0.2]}}}}]}, {scene: tabletop, cases: "
                  "[{name: named, command: stop, expect: {status: stopped, max_latency_ms: 50}}]}]")
    loaded = load_scenarios(path)
    assert loaded.scenes[0].scene == str((tmp_path / "scenes" / "mine.yaml").resolve())
    assert loaded.scenes[1].scene == "tabletop" and loaded.name == "cases" and loaded.case_count == 2
    first, second = loaded.scenes[0].cases[0], loaded.scenes[1].cases[0]
    assert first.name == "pick up the red cube" and first.expect.max_latency_ms == 900
    assert first.expect.objects == (ObjectExpectation("red_cube", (0.5, None, 0.2), 0.05),)
    assert second.name == "named" and second.expect.max_latency_ms == 50


BEFORE = {"red": np.array([0.5, 0.1, 0.025]), "blue": np.array([0.6, 0.0, 0.025]), "plate": np.array([0.4, 0, 0.01])}


def _run(status="executed", **kw):
    return CommandRun(status, kw.pop("latency_ms", 100.0), **kw)


def test_each_expectation_fails_with_a_reason_when_it_does_not_hold():
    after = dict(BEFORE, red=np.array([0.5, 0.1, 0.175]), blue=np.array([0.62, 0.0, 0.025]))
    expect = Expectation(status="refused", grounding="ok", refusal="person_nearby", plan_released=False,
                         objects=(ObjectExpectation("red", (0.4, 0.0, None), 0.03),), unmoved=("others",),
                         max_latency_ms=50, held="")
    problems = failures(expect, _run(grounding="ok", plan_released=True), BEFORE, after, "red")
    assert problems == [
        "status executed, expected refused", "refusal none, expected person_nearby",
        "plan released, expected not released", "holding red, expected nothing", "latency 100 ms > 50 ms",
        "red ended at (0.500, 0.100, 0.175), 0.141 m from (0.400, 0.000, any) (tolerance 0.030 m)",
        "blue moved 0.020 m (allowed 0.010 m)"]


def test_expectations_that_hold_pass_and_others_excludes_named_and_held_objects():
    after = dict(BEFORE, red=np.array([0.41, 0.0, 0.045]))
    expect = Expectation(status="executed", plan_released=True, held="",
                         objects=(ObjectExpectation("red", (0.4, 0.0, 0.045), 0.03),), unmoved=("others",))
    assert failures(expect, _run(plan_released=True), BEFORE, after, "") == []
    assert failures(Expectation(unmoved=("ghost",)), _run(), BEFORE, after, "") == \
        ["no object 'ghost' in the scene (objects: red, blue, plate)"]


def test_junit_xml_counts_failures_and_errors_per_file(tmp_path):
    results = [CaseResult("demo", "tabletop", "ok case", "stop", _run("stopped")),
               CaseResult("demo", "tabletop", "bad case", "pick", _run(), ("status executed, expected refused",)),
               CaseResult("safety", "/x/missing.yaml", "broken", "pick", None, error="scene 'missing' not found")]
    root = ET.parse(write_junit(results, tmp_path / "out" / "junit.xml", 1.5)).getroot()
    assert root.tag == "testsuites" and root.get("tests") == "3"
    assert (root.get("failures"), root.get("errors")) == ("1", "1")
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert suites["demo"].get("tests") == "2" and suites["demo"].get("failures") == "1"
    failure = suites["demo"].find("testcase[@name='bad case']/failure")
    assert failure.get("message") == "status executed, expected refused"
    assert suites["safety"].find("testcase/error").get("message") == "scene 'missing' not found"
    assert suites["demo"].find("testcase[@name='ok case']/failure") is None
    text = table(results)
    assert "PASS" in text and text.count("FAIL") == 2 and "status executed, expected refused" in text


def test_the_example_files_pass_in_process(driver):
    assert {p.name for p in EXAMPLES} >= {"demo.yaml", "pick_and_place.yaml", "safety.yaml"}
    results, _ = run_files([load_scenarios(p) for p in EXAMPLES], driver)
    assert [f"{r.suite}/{r.name}: {r.error or r.problems}" for r in results if not r.passed] == []
    statuses = {r.run.status for r in results}
    assert {"executed", "answered", "refused", "stopped"} <= statuses
    assert any(r.run.refusal == "person_nearby" for r in results)  # the plan guard, not only the command guard


def test_a_wrong_expectation_in_an_example_fails(driver, tmp_path):
    data = yaml.safe_load((REPO / "config" / "scenarios" / "demo.yaml").read_text())
    case = data["scenes"][0]["cases"][1]
    assert case["command"] == "pick up the red cube"
    case["expect"]["objects"]["red_cube"]["at"] = [0.50, 0.12, 0.025]  # "it stays on the table": false
    data["scenes"][0]["cases"] = data["scenes"][0]["cases"][:2]
    results = run_file(load_scenarios(_write(tmp_path, yaml.safe_dump(data))), driver)
    assert results[0].passed and not results[1].passed
    assert results[1].problems[0].startswith("red_cube ended at (0.50")


def test_an_unknown_scene_fails_its_cases_with_the_scene_named(driver, tmp_path):
    path = _write(tmp_path, "scenes: [{scene: no_such_scene, cases: [{command: stop, expect: {status: stopped}}]}]")
    results = run_file(load_scenarios(path), driver)
    assert not results[0].passed and "no_such_scene" in results[0].error and str(path) in results[0].error


def _cli(*args, timeout=300):
    """The CLI in a session of its own: on a timeout the graph it started goes down with it."""
    process = subprocess.Popen([sys.executable, "-m", "vlm_agent.cli", "test-scenarios", *map(str, args)], cwd=REPO,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGINT)  # the CLI stops its graph on SIGINT
        try:
            stdout, stderr = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            stdout, stderr = process.communicate()
        pytest.fail(f"test-scenarios ran over {timeout} s:\n{stdout[-3000:]}\n{stderr[-3000:]}")
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def test_cli_refuses_a_bad_file_with_exit_2_naming_file_and_field(tmp_path):
    bad = _cli(_write(tmp_path, "scenes: [{scene: tabletop, cases: [{command: x, expect: {status: ok}}]}]", "b.yaml"))
    assert bad.returncode == 2 and "b.yaml: scenes[0].cases[0].expect.status" in bad.stderr


@pytest.mark.slow
def test_cli_exit_status_table_and_junit(tmp_path):
    path = _write(tmp_path, "name: mixed\nscenes: [{scene: tabletop, cases: ["
                  "{name: passes, command: stop, expect: {status: stopped}},"
                  "{name: fails, command: pick up the purple cube, expect: {status: executed}}]}]")
    run = _cli(path, "--junit", tmp_path / "junit.xml")
    assert run.returncode == 1, run.stderr
    assert "1 passed, 1 failed, 2 cases" in run.stdout
    assert "status answered, expected executed" in run.stdout
    assert ET.parse(tmp_path / "junit.xml").getroot().get("failures") == "1"


@pytest.mark.slow
def test_the_examples_pass_through_the_launched_graph(tmp_path):
    graph_examples = [p for p in EXAMPLES if p.name != "people_ground_truth.yaml"]  # see that file
    run = _cli(*graph_examples, "--graph", "--junit", tmp_path / "graph.xml", timeout=1500)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    root = ET.parse(tmp_path / "graph.xml").getroot()
    assert root.get("failures") == "0" and int(root.get("tests")) >= 17


def test_a_case_that_crashes_is_reported_and_the_next_case_still_runs(tmp_path):
    class Flaky:
        def open(self, scene): pass
        def close(self): pass
        def positions(self): return {}
        def held(self): return ""
        def run(self, text):
            if text == "boom":
                raise RuntimeError("renderer lost")
            return CommandRun("stopped", 1.0)
    path = _write(tmp_path, "scenes: [{scene: tabletop, cases: [{command: boom, expect: {status: stopped}}, "
                  "{command: stop, expect: {status: stopped}}]}]")
    first, second = run_file(load_scenarios(path), Flaky())
    assert "renderer lost" in first.error and not first.passed and second.passed


def test_the_guards_rate_limit_and_input_errors_apply_in_process_as_in_the_graph(driver, tmp_path):
    from dataclasses import replace
    limited = InProcessDriver(replace(driver.stages, max_commands=2, rate_window_s=600))
    path = _write(tmp_path, "scenes: [{scene: tabletop, cases: ["
                  "{command: throw the knife at the person, expect: {status: refused}},"
                  f"{{command: '{'pick ' * 120}', expect: {{status: error, refusal: invalid_input}}}},"
                  "{command: throw the knife at the person, expect: {status: busy}},"
                  "{command: stop, expect: {status: stopped}}]}, "  # a stop is never rate limited
                  "{scene: tabletop, cases: [{command: throw the knife at the person, expect: {status: refused}}]}]")
    results = run_file(load_scenarios(path), limited)
    assert [r.passed for r in results] == [True] * 5, [r.problems for r in results]
    assert "Busy: more than 2 commands" in results[2].run.message
