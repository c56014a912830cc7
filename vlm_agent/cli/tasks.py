"""`vlm-agent run-task`: carry out a task in the built-in simulator, with optional injected faults."""
from __future__ import annotations

import json


def add_commands(sub) -> None:
    task = sub.add_parser("run-task", help="carry out a task in the built-in simulator (guard, decompose, ground, "
                          "plan, check, execute, verify) and print one JSON object")
    task.add_argument("scene", help="scene YAML path or built-in scene name")
    task.add_argument("--command", "-c", required=True, help="the task, e.g. 'put all the cubes on the plate'")
    task.add_argument("--grasp-slip", type=float, default=0.0, help="probability that a grasp slips (0-1)")
    task.add_argument("--move-object", default="", help="object someone else moves mid-task")
    task.add_argument("--move-before-step", type=int, default=2, help="... before this step (1-based)")
    task.add_argument("--move-to", type=float, nargs=2, metavar=("X", "Y"), help="... to here (default: a free spot)")
    task.add_argument("--occupy", default="", help="object someone else puts a cube on mid-task")
    task.add_argument("--occupy-before-step", type=int, default=1, help="... before this step (1-based)")
    task.add_argument("--seed", type=int, default=0, help="seed of the fault injection")
    task.set_defaults(func=cmd_run_task)


def cmd_run_task(args) -> int:
    from ..core.errors import InputError
    from ..core.sim.faults import FaultConfig
    from ..core.tasks.report import report_dict
    from ..core.tasks.sim_agent import sim_agent
    try:
        faults = FaultConfig(grasp_slip=args.grasp_slip, move_object=args.move_object,
                             move_before_step=args.move_before_step,
                             move_to=tuple(args.move_to) if args.move_to else None, occupy=args.occupy,
                             occupy_before_step=args.occupy_before_step, seed=args.seed)
        agent, world = sim_agent(args.scene, faults)
    except (InputError, OSError) as exc:
        print(json.dumps({"status": "error", "steps": [], "explanation": str(exc), "objects": {}}, indent=2))
        return 1
    try:
        report = report_dict(agent.run(args.command))
    finally:
        world.close()
    print(json.dumps(report, indent=2))
    return 1 if report["status"] == "error" else 0
