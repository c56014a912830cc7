"""Graph bring-up benchmark: starts and stops the whole launched graph (separate processes over
DDS, default parameters) N times, as a test run does, and prints how long each took to become
ready and how many never did (target: every start ready; 0 failures).

A start that is not ready in --timeout seconds is reported with what was missing and the last
lines each node logged; with --py-spy PATH, also with a stack dump of every node process.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
NODES = ("sim", "guard", "grounding", "planner", "people")


def stack_dumps(graph, py_spy: str) -> str:
    dumps = []
    for name, process in graph.processes.items():
        if process.poll() is None:
            out = subprocess.run([py_spy, "dump", "--native", "--pid", str(process.pid)],
                                 capture_output=True, text=True, timeout=60)
            dumps.append(f"=== {name} ===\n{out.stdout}{out.stderr}")
    return "\n".join(dumps)


def start_once(index: int, timeout: float, logs: Path, py_spy: str | None, kill: str | None) -> float | None:
    import rclpy

    from vlm_agent.launcher import Graph
    from vlm_agent.ros.client import AgentClient
    started = time.monotonic()
    with Graph(use_sim=True, log_dir=logs / f"start_{index}") as graph, rclpy.init():
        with AgentClient(f"startup_bench_{index}") as client:
            if client.wait_for_graph(NODES, timeout):
                took = time.monotonic() - started
                if kill:  # a crash, as test_ros_graph's dead-guard test does: the next start must not mind
                    graph.processes[kill].kill()
                return took
            print(f"start {index}: NOT READY after {timeout:.0f} s: {client.not_ready}\n{graph.report()}", flush=True)
            if py_spy:
                print(stack_dumps(graph, py_spy), flush=True)
            return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=10)
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds a start may take to be ready")
    parser.add_argument("--kill", choices=NODES, help="SIGKILL this node once its graph is ready")
    parser.add_argument("--py-spy", help="path of a py-spy executable: stack dumps of a start that is not ready")
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    from vlm_agent.launcher import use_private_ros_domain
    domain = use_private_ros_domain()
    logs = Path(tempfile.mkdtemp(prefix="graph_startup_"))
    print(f"ROS domain {domain}; {args.starts} starts; node logs in {logs}", flush=True)
    times, failures = [], 0
    for index in range(args.starts):
        took = start_once(index, args.timeout, logs, args.py_spy, args.kill)
        if took is None:
            failures += 1
        else:
            times.append(took)
            print(f"start {index}: ready in {took:.1f} s", flush=True)
    if times:
        print(f"ready in p50 {np.percentile(times, 50):.1f} s, p95 {np.percentile(times, 95):.1f} s, "
              f"max {max(times):.1f} s (n={len(times)})")
    print(f"{failures} of {args.starts} starts never ready -> {'MET' if not failures else 'NOT MET'}")
    return 1 if failures else 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
