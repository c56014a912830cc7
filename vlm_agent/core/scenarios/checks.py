"""A case's expectation against what happened: one message per expectation that failed."""
from __future__ import annotations

import numpy as np

from .pipeline import CommandRun
from .spec import OTHERS, Expectation


def failures(expect: Expectation, run: CommandRun, before: dict[str, np.ndarray], after: dict[str, np.ndarray],
             held: str) -> list[str]:
    problems = []
    for label, wanted, got in (("status", expect.status, run.status), ("grounding", expect.grounding, run.grounding),
                               ("refusal", expect.refusal, run.refusal)):
        if wanted is not None and wanted != got:
            problems.append(f"{label} {got or 'none'}, expected {wanted}")
    if expect.plan_released is not None and expect.plan_released != run.plan_released:
        problems.append(f"plan {'released' if run.plan_released else 'not released'}, expected "
                        f"{'released' if expect.plan_released else 'not released'}")
    if expect.held is not None and expect.held != held:
        problems.append(f"holding {held or 'nothing'}, expected {expect.held or 'nothing'}")
    if expect.max_latency_ms is not None and run.latency_ms > expect.max_latency_ms:
        problems.append(f"latency {run.latency_ms:.0f} ms > {expect.max_latency_ms:.0f} ms")
    for item in expect.objects:
        if item.name not in after:
            problems.append(f"no object '{item.name}' in the scene (objects: {', '.join(after)})")
            continue
        axes = [i for i, v in enumerate(item.position) if v is not None]
        wanted = np.array([item.position[i] for i in axes])
        off = float(np.linalg.norm(after[item.name][axes] - wanted))
        if off > item.tolerance_m:
            problems.append(f"{item.name} ended at {_xyz(after[item.name])}, {off:.3f} m from "
                            f"{_xyz(item.position)} (tolerance {item.tolerance_m:.3f} m)")
    named = {o.name for o in expect.objects} | ({held} if held else set())
    for name in _unmoved_names(expect, before, named):
        if name not in before or name not in after:
            problems.append(f"no object '{name}' in the scene (objects: {', '.join(after)})")
            continue
        moved = float(np.linalg.norm(after[name] - before[name]))
        if moved > expect.unmoved_tolerance_m:
            problems.append(f"{name} moved {moved:.3f} m (allowed {expect.unmoved_tolerance_m:.3f} m)")
    return problems


def _unmoved_names(expect: Expectation, before: dict, named: set[str]) -> list[str]:
    names = [n for n in expect.unmoved if n != OTHERS]
    if OTHERS in expect.unmoved:
        names += [n for n in before if n not in named and n not in names]
    return names


def _xyz(values) -> str:
    return "(" + ", ".join("any" if v is None else f"{v:.3f}" for v in values) + ")"
