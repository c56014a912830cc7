"""vlm_agent benchmark: prints numbers and ratios against the targets (not a timed test).

1. grounding latency per command on a 640x480 RGB-D frame (core, embedded default backend)
2. command-to-plan latency through the real node graph (separate processes over DDS)
3. sustained RGB-D input frames/s through the grounding node, with its memory before/after
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import psutil

REPO = Path(__file__).resolve().parents[1]
COMMANDS = ("pick up the red cube", "grab the cube that is not red", "pick the second cube from the left",
            "point at the ball closest to the robot", "put the blue cube on the plate", "how many cubes are there",
            "pick the cube left of the blue cube", "push the tallest object", "pick up the purple cube",
            "pick up the cube")
PLAN_COMMANDS = ("point at the red cube", "point at the blue cube", "point at the yellow ball",
                 "point at the tallest object", "point at the cube left of the blue cube")
TARGET_COMMAND_TO_PLAN_P50_MS = 500.0


def percentiles(values) -> str:
    values = np.asarray(values)
    return f"p50 {np.percentile(values, 50):7.1f} ms   p95 {np.percentile(values, 95):7.1f} ms   (n={len(values)})"


def bench_grounding(repeats: int) -> float:
    from vlm_agent.core.backends import create_backend
    from vlm_agent.core.perception.frame import RGBDFrame
    from vlm_agent.core.perception.grounding import Grounder
    from vlm_agent.core.sim.scene import load_scene
    from vlm_agent.core.sim.world import TabletopWorld
    from vlm_agent.core.language.synonyms import SynonymResolver
    scene = load_scene("tabletop")
    rendered = TabletopWorld(scene).render()
    grounder = Grounder(create_backend("rgbd_geometry"), SynonymResolver())
    grounder.ground(RGBDFrame(rendered.rgb, rendered.depth_m, scene.camera.intrinsics, key="warm-up"), COMMANDS[0])
    latencies = []
    for repeat in range(repeats):
        for index, text in enumerate(COMMANDS):
            # a new key per call: every command pays for the full segmentation of its frame
            frame = RGBDFrame(rendered.rgb, rendered.depth_m, scene.camera.intrinsics,
                              scene.camera.base_from_camera(), key=(repeat, index))
            start = time.perf_counter()
            grounder.ground(frame, text)
            latencies.append((time.perf_counter() - start) * 1000)
    print(f"1. grounding per command, 640x480 RGB-D, rgbd_geometry:  {percentiles(latencies)}")
    return float(np.percentile(latencies, 50))


def bench_graph(repeats: int) -> float:
    import rclpy

    from vlm_agent.launcher import Graph
    from vlm_agent.ros.client import AgentClient
    latencies = []
    # a benchmark sends commands faster than the guard's default rate limit allows
    overrides = {"guard": {"max_commands": 10000, "audit_log": str(REPO / "bench_output" / "guard_audit.jsonl")}}
    with Graph(use_sim=True, overrides=overrides, log_dir=REPO / "bench_output" / "logs") as graph:
        rclpy.init()
        client = AgentClient("benchmark_client")
        try:
            if not client.wait_for_graph(("sim", "guard", "grounding", "planner", "people"), 120):
                raise RuntimeError(f"graph did not start: {client.not_ready}\n{graph.report()}")
            for _ in range(repeats):
                for text in PLAN_COMMANDS:
                    trace = client.run(text, timeout=30)
                    if trace.plan is None:
                        raise RuntimeError(f"no plan for '{text}': {trace.result}")
                    latencies.append((trace.first_seen["plans"] - trace.sent_at) * 1000)
        finally:
            client.destroy_node()
            rclpy.try_shutdown()
    p50 = float(np.percentile(latencies, 50))
    print(f"2. command -> approved plan through guard, grounding, planner, guard (processes over DDS): "
          f"{percentiles(latencies)}\n   target p50 < {TARGET_COMMAND_TO_PLAN_P50_MS:.0f} ms: "
          f"{'MET' if p50 < TARGET_COMMAND_TO_PLAN_P50_MS else 'NOT MET'} "
          f"(ratio target/p50 = {TARGET_COMMAND_TO_PLAN_P50_MS / p50:.1f}x)")
    return p50


def bench_input(seconds: float) -> None:
    import rclpy
    from rclpy.executors import SingleThreadedExecutor

    from vlm_agent.ros.grounding_node import GroundingNode
    process = psutil.Process()
    rclpy.init()
    node = GroundingNode()
    node.trigger_configure()
    node.trigger_activate()
    executor = SingleThreadedExecutor()
    executor.add_node(node)
    spinning = threading.Event()
    spinning.set()
    thread = threading.Thread(target=lambda: [executor.spin_once(0.05) for _ in iter(spinning.is_set, False)])
    thread.start()
    rss_before = process.memory_info().rss
    blaster = subprocess.run([sys.executable, str(REPO / "bench" / "rgbd_blaster.py"), str(seconds)],
                             capture_output=True, text=True, timeout=seconds + 90)
    rss_after = process.memory_info().rss
    spinning.clear()
    thread.join()
    sent_line = [line for line in blaster.stdout.splitlines() if line.startswith("SENT")]
    if not sent_line:
        raise RuntimeError(f"blaster failed: {blaster.stderr[-2000:]}")
    sent, elapsed = int(sent_line[0].split()[1]), float(sent_line[0].split()[2])
    received = node.input.frames_synced
    print(f"3. RGB-D input through the grounding node for {elapsed:.1f} s: published {sent / elapsed:.1f} frames/s, "
          f"synchronised {received / elapsed:.1f} frames/s ({received}/{sent}); newer frames replace older ones "
          f"(depth 1)\n   grounding process memory: {rss_before / 2**20:.0f} MiB before, "
          f"{rss_after / 2**20:.0f} MiB after ({(rss_after - rss_before) / 2**20:+.1f} MiB)")
    node.destroy_node()
    rclpy.try_shutdown()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--stream-seconds", type=float, default=10.0)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from vlm_agent.launcher import use_project_dds_profile
    use_project_dds_profile()
    print(f"vlm_agent benchmark on {os.cpu_count()} CPU cores\n")
    bench_grounding(args.repeats)
    bench_graph(args.repeats)
    bench_input(args.stream_seconds)


if __name__ == "__main__":
    main()
