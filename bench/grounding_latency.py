"""Grounding latency of the embedded default on fresh frames (no per-frame cache), per resolution.

Renders the held-out hard scenes (dev seeds) at D435-like depth noise, at 640x480 and 1280x720 with
the same field of view, and times Grounder.ground end to end (parse, segmentation, attributes,
resolution). Prints p50 / p95 of wall time against the targets (60 ms and 150 ms), and of the
process CPU time, which is what the wall time would be on an otherwise idle machine (run with
OMP_NUM_THREADS=1 so that CPU time is single-threaded time). OpenCV runs single-threaded.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

TARGETS_MS = {(640, 480): 60.0, (1280, 720): 150.0}


def _at_resolution(scene, width: int, height: int):
    from vlm_agent.core.perception.camera import CameraIntrinsics
    k = scene.camera.intrinsics
    fy = k.fy * height / k.height
    intrinsics = CameraIntrinsics(width, height, fy, fy, width / 2, height / 2)
    return replace(scene, camera=replace(scene.camera, intrinsics=intrinsics))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenes", type=int, default=8, help="scenes per kind")
    parser.add_argument("--depth-noise", default="d435")
    args = parser.parse_args()
    import cv2
    cv2.setNumThreads(1)
    from hard_scenes import generate
    from vlm_agent.core.backends import create_backend
    from vlm_agent.core.perception.frame import RGBDFrame
    from vlm_agent.core.perception.grounding import Grounder
    from vlm_agent.core.sim.world import TabletopWorld
    grounder = Grounder(create_backend("rgbd_geometry"))
    cases = generate("dev", args.scenes, ["noisy", "touching_same", "stacked"])
    for (width, height), target in TARGETS_MS.items():
        times, cpu = [], []
        for case, seed in cases:
            scene = _at_resolution(case.scene, width, height)
            world = TabletopWorld(scene, noise=args.depth_noise, noise_seed=seed)
            rendered = world.render()
            world.close()
            frame = RGBDFrame(rendered.rgb, rendered.depth_m, scene.camera.intrinsics, scene.camera.base_from_camera())
            start, start_cpu = time.perf_counter(), time.process_time()
            grounder.ground(frame, case.command)
            times.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
        p50, p95 = np.percentile(times, 50), np.percentile(times, 95)
        print(f"{width}x{height} ({args.depth_noise}, {len(times)} fresh frames): wall p50 {p50:.1f} ms, p95 {p95:.1f} ms "
              f"(target p50 <= {target:.0f} ms: {'met' if p50 <= target else 'NOT met'}); CPU time p50 "
              f"{np.percentile(cpu, 50):.1f} ms, p95 {np.percentile(cpu, 95):.1f} ms; load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
