"""Run scenario files: each scene loaded once, its cases sent in order (the world carries over
from one case to the next, as on a robot), each case checked against its expectation.

A driver runs commands: `InProcessDriver` (the command path in this process on the built-in
simulator) or the graph driver (`vlm_agent/scenario_graph.py`, the launched node graph).
"""
from __future__ import annotations

import time
from typing import Protocol

import numpy as np

from ..errors import InputError
from ..sim.scene import load_scene
from ..sim.world import TabletopWorld
from .checks import failures
from .pipeline import CommandRun, Stages, object_positions, run_command
from .report import CaseResult
from .spec import ScenarioFile


class Driver(Protocol):
    def open(self, scene: str) -> None: ...           # raises InputError naming the scene
    def run(self, text: str) -> CommandRun: ...
    def positions(self) -> dict[str, np.ndarray]: ...
    def held(self) -> str: ...
    def close(self) -> None: ...


class InProcessDriver:
    def __init__(self, stages: Stages):
        self.stages, self.world, self.count, self.limiter = stages, None, 0, None

    def open(self, scene: str) -> None:
        self.close()
        self.world = TabletopWorld(load_scene(scene))
        self.limiter = self.stages.rate_limiter()  # as a freshly started graph's guard

    def run(self, text: str) -> CommandRun:
        self.count += 1
        return run_command(self.stages, self.world, text, f"scenario-{self.count}", self.limiter)

    def positions(self) -> dict[str, np.ndarray]:
        return object_positions(self.world)

    def held(self) -> str:
        return self.world.held_name

    def close(self) -> None:
        if self.world is not None:
            self.world.close()
        self.world = None


def run_file(scenarios: ScenarioFile, driver: Driver, progress=None) -> list[CaseResult]:
    results = []
    for entry in scenarios.scenes:
        try:
            driver.open(entry.scene)
        except (InputError, FileNotFoundError) as exc:
            error = f"{scenarios.path}: scene '{entry.scene}': {exc}"
            results += [CaseResult(scenarios.name, entry.scene, c.name, c.command, None, error=error)
                        for c in entry.cases]
            continue
        try:
            for case in entry.cases:
                try:
                    before = driver.positions()
                    run = driver.run(case.command)
                    result = CaseResult(scenarios.name, entry.scene, case.name, case.command, run, tuple(
                        failures(case.expect, run, before, driver.positions(), driver.held())))
                except Exception as exc:  # one broken case is reported, the others still run
                    result = CaseResult(scenarios.name, entry.scene, case.name, case.command, None,
                                        error=f"the case could not run: {exc!r}")
                results.append(result)
                if progress:
                    progress(result)
        finally:
            driver.close()
    return results


def run_files(files: list[ScenarioFile], driver: Driver, progress=None) -> tuple[list[CaseResult], float]:
    start = time.perf_counter()
    results = []
    for scenario_file in files:
        results += run_file(scenario_file, driver, progress)
    return results, time.perf_counter() - start
