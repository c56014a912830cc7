"""`vlm-agent demo`, `launch`, `sros2-policy`, `test-scenarios` and `export-gazebo`: the node graph,
run, secured, tested and carried into Gazebo."""
from __future__ import annotations

import sys
from pathlib import Path


def add_commands(sub) -> tuple:
    """Registers the graph's subcommands; returns the demo and launch parsers (voice adds flags to them)."""
    from ..graph import LAUNCH_ARGUMENTS
    demo = sub.add_parser("demo", help="run the whole graph on the built-in scene with a few commands")
    demo.add_argument("--out", default="demo_output", help="folder for annotated images")
    demo.add_argument("--params-file", default=None)
    demo.set_defaults(func=cmd_demo)
    sros2 = sub.add_parser("sros2-policy", help="write the SROS2 permission policy derived from the nodes")
    sros2.add_argument("--out", default="-", help="file to write ('-' = stdout)")
    sros2.set_defaults(func=cmd_sros2_policy)
    launch = sub.add_parser("launch", help="start the node graph (what ros2 launch vlm_agent agent.launch.py does)")
    launch.add_argument("--use-sim", choices=("true", "false"), default="true")
    launch.add_argument("--params-file", default=None)
    for argument in LAUNCH_ARGUMENTS:
        launch.add_argument("--" + argument.name.replace("_", "-"), dest=argument.name, default=None,
                            help=f"{argument.description} (default: the params file's)")
    launch.set_defaults(func=cmd_launch)
    scenarios = sub.add_parser("test-scenarios", help="run scenario files (scenes, commands, expectations) on the "
                               "simulator; exit 0 all passed, 1 a case failed, 2 a bad scenario file")
    scenarios.add_argument("files", nargs="+", metavar="FILE.yaml")
    scenarios.add_argument("--junit", default=None, help="write JUnit XML here")
    scenarios.add_argument("--graph", action="store_true", help="through the launched node graph (one process "
                           "per node, over DDS) instead of the in-process command path")
    scenarios.add_argument("--params-file", default=None, help="parameters file (default config/agent.yaml)")
    scenarios.set_defaults(func=cmd_test_scenarios)
    gazebo = sub.add_parser("export-gazebo", help="write a scene as a Gazebo (gz sim) SDF world, a ros_gz_bridge "
                            "YAML and the grounding node's camera pose")
    gazebo.add_argument("scene", help="scene YAML path or built-in scene name")
    gazebo.add_argument("out_dir")
    gazebo.add_argument("--update-rate", type=float, default=5.0, help="camera frames per second (default 5, "
                        "the built-in simulator's publish_rate)")
    gazebo.set_defaults(func=cmd_export_gazebo)
    return demo, launch


def cmd_demo(args) -> int:
    if args.voice is not None:
        from ..voice_cli import run_voice_demo
        return run_voice_demo(Path(args.out), args.params_file, args.voice)
    from ..demo import run_demo
    return run_demo(Path(args.out), args.params_file)


def cmd_launch(args) -> int:
    from ..graph import LAUNCH_ARGUMENTS, parameter_overrides
    from ..launcher import run_graph
    overrides = parameter_overrides({a.name: getattr(args, a.name) for a in LAUNCH_ARGUMENTS})
    return run_graph(args.use_sim == "true", args.params_file, overrides, voice=True if args.voice else None)


def cmd_sros2_policy(args) -> int:
    from ..sros2_policy import generate
    text = generate()
    if args.out == "-":
        print(text, end="")
    else:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(text)
        print(f"wrote {args.out}")
    return 0


def cmd_test_scenarios(args) -> int:
    from ..scenario_cli import run_scenarios
    return run_scenarios(args.files, args.junit, args.graph, args.params_file)


def cmd_export_gazebo(args) -> int:
    from ..core.errors import InputError
    from ..core.gazebo.export import export_gazebo
    try:
        written = export_gazebo(args.scene, Path(args.out_dir), args.update_rate)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for path in written:
        print(f"wrote {path}")
    return 0
