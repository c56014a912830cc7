"""Task suite: >= 150 generated tasks run through the whole task pipeline on the simulator.

    PYTHONPATH=. python bench/task_suite.py [--per-kind 12] [--seed 0] [--slip 0.1] [--kinds stack,tower]

Success (as in the literature): every asked object's centre within 5 cm of where the user asked
(on a plate or tray: over it, resting on it; stacked: over the one below, resting on it; beside a
reference: the spot `relation` names, on the table), the status the case expects, and nothing
else moved more than 2 cm. A wrong-object action is any object outside the task moved more than
2 cm (the target is 0: a failure must be an honest stop). Prints per-kind success, wrong-object
actions, success with grasp slip, and median wall time per task step and per task."""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from task_cases import KINDS, RELATIONS, TaskCase, generate  # noqa: E402

from vlm_agent.core.safety.guard import CommandGuard, load_guard_config  # noqa: E402
from vlm_agent.core.tasks.sim_agent import sim_agent  # noqa: E402

ASKED_TOLERANCE_M, OTHERS_TOLERANCE_M, REST_TOLERANCE_M = 0.05, 0.02, 0.012


def run_case(case: TaskCase, guard, slip: float, seed: int) -> dict:
    faults = replace(case.faults, grasp_slip=slip, seed=seed)
    agent, world = sim_agent(case.scene, faults, guard=guard)
    try:
        before = {s.name: s.position.copy() for s in world.object_states()}
        started, reports = time.perf_counter(), []
        for command in case.commands:
            reports.append(agent.run(command))
        seconds = time.perf_counter() - started
        after = {s.name: s.position for s in world.object_states()}
        sizes = {o.name: o.size for o in world.scene.objects}
        held = world.held_name
    finally:
        world.close()
    asked = {name for check in case.checks for name in check.names[:1 if check.kind != "tower" else None]}
    fault_moved = set(case.moved_by_fault) | {n for n in after if n.startswith("intruder_")}
    wrong = sorted(n for n in after if n not in asked | fault_moved
                   and np.linalg.norm(after[n] - before[n]) > OTHERS_TOLERANCE_M)
    failures = [f"{c.kind} {c.names}: {why}" for c in case.checks
                for why in [_check(c, after, sizes, held, before)] if why]
    status = reports[-1].status
    if status != case.expected_status:
        failures.append(f"status {status}, expected {case.expected_status}: {reports[-1].explanation[-300:]}")
    if wrong:
        failures.append(f"moved objects outside the task: {wrong}")
    return {"kind": case.kind, "commands": case.commands, "ok": not failures, "failures": failures,
            "wrong_objects": wrong, "seconds": seconds,
            "step_seconds": [s for r in reports for s in r.step_seconds], "status": status}


def _check(check, after, sizes, held, before) -> str:
    name = check.names[0]
    if check.kind == "held":
        lifted = after[name][2] - before[name][2]
        return "" if held == name and lifted > 0.05 else f"held '{held}', lifted {lifted:.3f} m"
    if check.kind == "tower":
        for lower, upper in zip(check.names, check.names[1:]):
            why = _rests_on(upper, lower, after, sizes, 0.5 * sizes[lower][0])
            if why:
                return why
        return ""
    if check.kind == "on":
        support = check.names[1]
        reach = max(ASKED_TOLERANCE_M, 0.5 * sizes[support][0]) if sizes[support][2] <= 0.03 else 0.5 * sizes[support][0]
        return _rests_on(name, support, after, sizes, reach)
    ref = check.names[1]
    direction = np.array(RELATIONS[check.relation], float)
    gap = 0.5 * max(sizes[ref][:2]) + 0.5 * max(sizes[name][:2]) + 0.03
    asked = after[ref][:2] + gap * direction
    off = float(np.linalg.norm(after[name][:2] - asked))
    on_table = abs(after[name][2] - 0.5 * sizes[name][2]) < REST_TOLERANCE_M
    return "" if off < ASKED_TOLERANCE_M and on_table else f"{100 * off:.1f} cm from the asked spot, z {after[name][2]:.3f}"


def _rests_on(name, support, after, sizes, reach) -> str:
    off = float(np.linalg.norm(after[name][:2] - after[support][:2]))
    expected_z = after[support][2] + 0.5 * sizes[support][2] + 0.5 * sizes[name][2]
    dz = after[name][2] - expected_z
    return "" if off <= reach and abs(dz) < REST_TOLERANCE_M else f"{100 * off:.1f} cm off {support}, dz {dz:+.3f} m"


def summarize(results: list[dict], title: str) -> dict:
    by_kind = defaultdict(list)
    for r in results:
        by_kind[r["kind"]].append(r["ok"])
    steps = [s for r in results for s in r["step_seconds"]]
    summary = {"title": title, "tasks": len(results), "success": sum(r["ok"] for r in results) / len(results),
               "per_kind": {k: f"{sum(v)}/{len(v)}" for k, v in by_kind.items()},
               "wrong_object_actions": sum(len(r["wrong_objects"]) for r in results),
               "median_step_s": statistics.median(steps) if steps else None,
               "median_task_s": statistics.median(r["seconds"] for r in results)}
    print(f"\n== {title}: {summary['success']:.1%} of {len(results)} tasks; wrong-object actions "
          f"{summary['wrong_object_actions']}; median {summary['median_step_s']:.2f} s per step, "
          f"{summary['median_task_s']:.2f} s per task")
    for kind, score in summary["per_kind"].items():
        print(f"   {kind:<12} {score}")
    return summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-kind", type=int, default=12)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--slip", type=float, default=0.1, help="grasp slip probability of the second run (0: skip)")
    parser.add_argument("--kinds", default="", help=f"comma-separated subset of {','.join(KINDS)}")
    parser.add_argument("--json", default="", help="write every result here")
    parser.add_argument("--verbose", action="store_true", help="print every failure")
    args = parser.parse_args()
    cases = [c for c in generate(args.per_kind, args.seed) if not args.kinds or c.kind in args.kinds.split(",")]
    guard = CommandGuard(load_guard_config())
    runs = {"no faults": 0.0, **({f"grasp slip {args.slip:.0%}": args.slip} if args.slip > 0 else {})}
    out = {}
    for title, slip in runs.items():
        results = [run_case(c, guard, slip, seed=i) for i, c in enumerate(cases)]
        if args.verbose:
            for r in results:
                if not r["ok"]:
                    print(f"FAIL {r['kind']}: {r['commands']}: {r['failures']}")
        out[title] = {"summary": summarize(results, title), "results": results}
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
