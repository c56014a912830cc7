"""The shipped SROS2 policy is exactly what the nodes use (derived by graph introspection), and it
keeps the gate a gate: only the guard publishes approved commands and plans, only the executor
takes plans. The same introspection checks config/agent.yaml sets only parameters nodes declare."""
import json
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

pytestmark = pytest.mark.ros
POLICY = Path(__file__).resolve().parents[1] / "config" / "sros2" / "policy.xml"


@pytest.fixture(scope="module")
def nodes():
    """Introspected in a process of its own, as `vlm-agent sros2-policy` does: the nodes and DDS
    participants earlier tests left in this process would otherwise share its graph (the module
    has a domain of its own, see conftest)."""
    code = "import json; from vlm_agent.sros2_policy import describe_graph; print(json.dumps(describe_graph()))"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def generated(nodes):
    from vlm_agent.sros2_policy import policy_xml
    return policy_xml(nodes)


def test_every_setting_in_agent_yaml_is_a_parameter_its_node_declares(nodes):
    import yaml
    from vlm_agent.graph import default_params_file
    config = yaml.safe_load(default_params_file().read_text())
    for name, block in config.items():
        undeclared = set(block["ros__parameters"]) - set(nodes[name]["parameters"])
        assert not undeclared, f"{name}: {sorted(undeclared)} would be silently ignored"


def test_shipped_policy_matches_the_nodes(generated):
    assert POLICY.read_text() == generated, "regenerate it: vlm-agent sros2-policy --out config/sros2/policy.xml"


def _who(policy: str, permission: str, topic: str) -> set[str]:
    root = ElementTree.fromstring(policy)
    return {profile.get("node") for profile in root.iter("profile")
            for topics in profile.findall("topics") if topics.get(permission) == "ALLOW"
            and topic in [t.text for t in topics.findall("topic")]}


def test_the_gate_topics_have_one_side_each(generated):
    assert _who(generated, "publish", "vlm_agent/plan") == {"guard"}
    assert _who(generated, "subscribe", "vlm_agent/plan") == {"sim"}
    assert _who(generated, "publish", "vlm_agent/command") == {"guard"}
    assert _who(generated, "subscribe", "vlm_agent/command") == {"grounding"}
    assert _who(generated, "subscribe", "vlm_agent/command_in") == {"guard"}


def _allowed(policy: str, enclave: str, node: str, element: str, permission: str) -> set[str]:
    root = ElementTree.fromstring(policy)
    return {name.text for e in root.iter("enclave") if e.get("path") == f"/vlm_agent/{enclave}"
            for profile in e.iter("profile") if profile.get("node") == node
            for group in profile.findall(element) if group.get(permission) == "ALLOW" for name in group}


def test_the_sim_process_task_node_has_its_permissions_in_the_sim_enclave(generated):
    root = ElementTree.fromstring(generated)
    sim = next(e for e in root.iter("enclave") if e.get("path") == "/vlm_agent/sim")
    assert {p.get("node") for p in sim.iter("profile")} == {"sim", "sim_tasks"}  # one process, one enclave
    action = "vlm_agent/execute/_action/"
    assert {"vlm_agent/ground", action + "send_goal", action + "cancel_goal", action + "get_result"} <= _allowed(
        generated, "sim", "sim_tasks", "services", "reply")
    assert {action + "feedback", action + "status"} <= _allowed(generated, "sim", "sim_tasks", "topics", "publish")
    assert "vlm_agent/ground" not in _allowed(generated, "sim", "sim", "services", "reply")


def test_only_the_sim_publishes_the_clock_every_node_may_read_it(generated, nodes):
    assert _who(generated, "publish", "clock") == {"sim"}
    assert _who(generated, "subscribe", "clock") == set(nodes)  # a graph on sim time (use_sim_time true)
