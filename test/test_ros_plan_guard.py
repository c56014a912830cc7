"""A benign command whose plan leaves the workspace is refused at the plan gate; the audit
log records every verdict; the robot does not move."""
import json

import pytest
from ros_helpers import assert_graph_ready, rclpy

from vlm_agent.launcher import Graph
from vlm_agent.ros.client import AgentClient

pytestmark = [pytest.mark.ros, pytest.mark.slow]  # each starts the whole graph


def test_plan_outside_the_workspace_is_refused_and_audited(tmp_path):
    audit = tmp_path / "audit.jsonl"
    # the red cube lies at y = +0.12; this workspace ends at y = +0.05
    overrides = {"guard": {"workspace_max": "[1.0,0.05,0.6]", "audit_log": str(audit)}}
    with Graph(use_sim=True, overrides=overrides, log_dir=tmp_path / "logs") as graph, rclpy.init():
        client = AgentClient("plan_guard_test")
        try:
            assert_graph_ready(client, graph)
            assert client.spin_until(lambda: client.scene_state is not None, 30)
            trace = client.run("pick up the red cube", timeout=30)
            assert trace.result.status == "ok"
            command_verdict = next(v for v in trace.verdicts if v.stage == "command")
            plan_verdict = next(v for v in trace.verdicts if v.stage == "plan")
            assert command_verdict.allowed and not plan_verdict.allowed and plan_verdict.category == "workspace"
            assert any(e.stage == "guard" and "outside the workspace" in e.text for e in trace.explanations)
            assert trace.plans == [] and client.scene_state.plans_executed == 0
        finally:
            client.destroy_node()
    records = [json.loads(line) for line in audit.read_text().splitlines()]
    mine = [r for r in records if r["command_id"] == trace.command_id]
    assert [(r["stage"], r["allowed"]) for r in mine] == [("command", True), ("plan", False)]
    assert mine[1]["category"] == "workspace" and "red cube" in mine[1]["scene"]
