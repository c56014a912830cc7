"""Under CPU load (two busy processes on the two cores) the launched graph with default
parameters answers new benign commands without a single guard timeout."""
import subprocess
import sys

import pytest
from ros_helpers import assert_graph_ready, rclpy

from vlm_agent.launcher import Graph
from vlm_agent.ros.client import AgentClient

pytestmark = [pytest.mark.ros, pytest.mark.slow]
OBJECTS = ("red cube", "blue cube", "green cube", "yellow ball", "orange can", "white plate", "biggest object",
           "smallest cube", "cube left of the blue cube", "ball closest to the robot")
VERBS = ("point at the {}", "where is the {}", "look at the {}", "find the {}", "show me the {}")


def test_fifty_new_benign_commands_at_one_per_second_with_both_cores_busy(tmp_path):
    commands = [verb.format(obj) for obj in OBJECTS for verb in VERBS]
    assert len(set(commands)) == 50  # each one new to the guard's embedding cache
    loads = []
    overrides = {"guard": {"audit_log": str(tmp_path / "audit.jsonl")}}
    with Graph(use_sim=True, overrides=overrides, log_dir=tmp_path / "logs") as graph, rclpy.init():
        client = AgentClient("load_test")
        try:
            # processes of their own: forked children would inherit rclpy's signal handlers and outlive the test
            loads += [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2)]
            assert_graph_ready(client, graph)
            traces = []
            for text in commands:
                traces.append(client.send(text))
                client.spin_until(lambda: False, 1.0)  # the pace of the test: one command a second
            assert client.spin_until(lambda: all(t.complete for t in traces), 120)
            timeouts = [t.text for t in traces if any(v.category == "guard_timeout" for v in t.verdicts)]
            assert timeouts == []
            # each went through the whole graph; a policy refusal is the guard's judgement, not load
            failed = [(t.text, t.status, t.message) for t in traces if t.status not in ("executed", "answered",
                                                                                         "refused")]
            assert failed == []
        finally:
            for load in loads:
                load.kill()
                load.wait()
            client.destroy_node()
