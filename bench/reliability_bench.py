"""Reliability benchmark through the launched graph (separate processes over DDS, default
parameters, its own ROS domain): prints numbers and ratios against the targets.

1. burst: N commands published as fast as one publisher can -> final answers (Outcome), by
   status, duplicates and missing ones (target: N answers, 0 duplicates, 0 missing);
2. stop: "stop" sent while a pick is running -> time until the simulator reports the plan
   halted (target p50 < 100 ms).
"""
from __future__ import annotations

import argparse
import collections
import os
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
TARGET_STOP_P50_MS = 100.0


def bench_burst(client, count: int) -> bool:
    start = time.perf_counter()
    traces = [client.send(f"what do you see {i}") for i in range(count)]
    sent_ms = (time.perf_counter() - start) * 1000
    client.spin_until(lambda: all(t.outcomes for t in traces), 120)
    statuses = collections.Counter(t.status or "missing" for t in traces)
    duplicates = sum(len(t.outcomes) > 1 for t in traces)
    missing = sum(not t.outcomes for t in traces)
    took = max((t.first_seen.get("outcomes", 0) for t in traces), default=0) - start
    print(f"1. burst of {count} commands sent in {sent_ms:.0f} ms: {count - missing} final answers in {took:.1f} s "
          f"({dict(statuses)}), {duplicates} duplicates, {missing} missing -> "
          f"{'MET' if not missing and not duplicates else 'NOT MET'}")
    return not missing and not duplicates


def bench_stop(client, repeats: int) -> bool:
    latencies, too_late = [], 0
    while len(latencies) < repeats:
        pick = client.send("pick up the red cube")
        # step 2 is the slow descent: a stop sent as it starts lands mid-plan
        if not client.spin_until(lambda: any(e.state == "executing" and e.step == 1 for e in pick.executions), 30):
            raise RuntimeError(f"the pick never ran: {pick.status} {pick.message}")
        stop = client.send("stop")
        client.spin_until(lambda: any(e.state in ("halted", "succeeded") for e in pick.executions), 10)
        halted = pick.first_seen.get("executions_halted")
        if halted is None:  # the plan ended before the stop arrived: nothing to measure
            too_late += 1
            if too_late > repeats:
                raise RuntimeError(f"the pick was never halted: {[e.state for e in pick.executions]}")
        else:
            latencies.append((halted - stop.sent_at) * 1000)
        client.spin_until(lambda: stop.outcomes and pick.outcomes, 10)
        client.run("put it on the plate", timeout=60)  # the arm back in a known state
    p50 = float(np.percentile(latencies, 50))
    print(f"2. 'stop' -> plan halted in the simulator: p50 {p50:.1f} ms, p95 {np.percentile(latencies, 95):.1f} ms "
          f"(n={len(latencies)}, {too_late} plan(s) ended before their stop arrived); target p50 < {TARGET_STOP_P50_MS:.0f} ms: "
          f"{'MET' if p50 < TARGET_STOP_P50_MS else 'NOT MET'} (ratio {TARGET_STOP_P50_MS / p50:.1f}x)")
    return p50 < TARGET_STOP_P50_MS


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--burst", type=int, default=200)
    parser.add_argument("--stops", type=int, default=10)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import rclpy

    from vlm_agent.launcher import Graph, use_private_ros_domain, use_project_dds_profile
    from vlm_agent.ros.client import AgentClient
    use_project_dds_profile()
    use_private_ros_domain()
    print(f"vlm_agent reliability benchmark on {os.cpu_count()} CPU cores, default parameters\n")
    overrides = {"guard": {"audit_log": str(REPO / "bench_output" / "reliability_audit.jsonl")}}
    with Graph(use_sim=True, overrides=overrides, log_dir=REPO / "bench_output" / "reliability_logs") as graph:
        rclpy.init()
        client = AgentClient("reliability_bench")
        try:
            if not client.wait_for_graph(("sim", "guard", "grounding", "planner", "people"), 120):
                raise RuntimeError(f"graph did not start: {client.not_ready}\n{graph.report()}")
            ok = bench_burst(client, args.burst)
            client.spin_until(lambda: False, 10.5)  # the burst used up the rate-limit window
            ok = bench_stop(client, args.stops) and ok
        finally:
            client.destroy_node()
            rclpy.try_shutdown()
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
