"""A model backend chosen at launch: `vlm-agent launch --backend owl --model-path ... --runtime onnx`
starts the graph in separate processes, and commands are grounded by ONNX Runtime over DDS.
(Random weights: what is checked is the wiring, not accuracy.)"""
import pytest
from ros_helpers import assert_graph_ready, rclpy

from vlm_agent.cli import build_parser
from vlm_agent.graph import parameter_overrides
from vlm_agent.launcher import Graph
from vlm_agent.ros.client import AgentClient

pytestmark = [pytest.mark.ros, pytest.mark.slow]  # each starts the whole graph
pytest.importorskip("onnxruntime")


@pytest.fixture(scope="module")
def owl_graph(tmp_path_factory):
    from tiny_models import build_tiny_owl

    from vlm_agent.core.backends.owl import export_onnx
    work = tmp_path_factory.mktemp("owl_graph")
    folder = build_tiny_owl(work / "owlv2", "owlv2")
    export_onnx(str(folder), str(work / "onnx"))
    args = build_parser().parse_args(["launch", "--backend", "owl", "--model-path", str(folder), "--runtime", "onnx",
                                      "--onnx-dir", str(work / "onnx")])
    overrides = parameter_overrides(vars(args))
    with Graph(use_sim=True, overrides=overrides, log_dir=work / "logs") as running, rclpy.init(), \
            AgentClient("owl_graph_client") as client:
        assert_graph_ready(client, running)
        yield running, client


def test_the_launched_graph_grounds_with_the_chosen_backend(owl_graph):
    running, client = owl_graph
    assert client.spin_until(lambda: any("backend owl" in s.message for s in client.statuses), 30)
    trace = client.run("point at the cube", timeout=60)
    assert trace.result is not None and trace.result.status in ("ok", "not_found", "ambiguous"), trace.result.message
    assert trace.result.candidates and all(c.id.startswith("owl_") for c in trace.result.candidates)
    assert trace.result.stage_names and running.failed() == {}
