"""vlm-agent: ground, guard, render, demo and launch from the command line."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def cmd_ground(args) -> int:
    from .core.backends import create_backend
    from .core.errors import InputError
    from .core.perception.grounding import Grounder
    from .core.perception.objects import STATUS_ERROR, GroundingResult
    from .core.perception.report import result_dict
    from .core.perception.scene_dir import read_scene_dir
    from .core.language.synonyms import SynonymResolver
    try:
        frame = None
        frame = read_scene_dir(args.scene_dir, args.max_pixels, depth_required=args.backend == "rgbd_geometry")
        settings = backend_settings_from_args(args)
        backend = create_backend(args.backend, **settings.options_for(args.backend))
        grounder = Grounder(backend, None if args.no_synonyms else SynonymResolver())
        people = _people_or_error(frame)
        result = grounder.ground(frame, args.command, _people_objects(people, frame))
    except (InputError, ValueError, ImportError) as exc:
        result = GroundingResult(STATUS_ERROR, str(exc), command_text=args.command)
        frame = None
    report = result_dict(result)
    if frame is not None:
        report.update(people)
    print(json.dumps(report, indent=2))
    return 1 if result.status == STATUS_ERROR else 0


def _people_objects(people: dict, frame) -> tuple:
    from .core.perception.people_objects import people_objects
    found = [{"id": f"person_{i + 1}", "score": p["score"], "bbox_xyxy": p["bbox_xyxy"], "centroid": p["position_base"],
              "closest_point": p["closest_point_base"]} for i, p in enumerate(people.get("people") or [])]
    return tuple(people_objects(found, frame.base_from_camera))


def _people_or_error(frame) -> dict:
    """{'people': [...]} or, without the person models, {'people': None, 'people_error': why}."""
    from .core.errors import InputError
    from .core.perception.people import PersonDetector
    from .core.perception.people_report import people_in_frame
    try:
        return {"people": people_in_frame(frame, PersonDetector())["people"]}
    except InputError as exc:
        return {"people": None, "people_error": str(exc)}


def cmd_people(args) -> int:
    from .core.errors import InputError
    from .core.perception.people import PersonDetector
    from .core.perception.people_report import people_in_frame, read_image_or_scene
    try:
        frame = read_image_or_scene(args.path, args.max_pixels)
        report = people_in_frame(frame, PersonDetector(args.model_dir or None, args.min_score))
    except InputError as exc:
        print(json.dumps({"error": str(exc)}, indent=2))
        return 1
    print(json.dumps(report, indent=2))
    return 0
def add_settings_flags(parser, settings_class, aliases: dict[str, tuple[str, ...]] | None = None) -> None:
    """One --flag per setting of `settings_class` (vlm_agent.core.settings): help, choices, type and
    default all from the schema."""
    from .core.settings import settings_fields
    types = {"int": int, "float": float, "str": str}
    for info in settings_fields(settings_class):
        if info.kind not in types:
            continue
        unit = f" [{info.unit}]" if info.unit else ""
        parser.add_argument(f"--{info.name.replace('_', '-')}", *(aliases or {}).get(info.name, ()), dest=info.name,
                            type=types[info.kind], default=info.default, choices=info.choices or None,
                            help=info.description.replace("%", "%%") + unit + " (default %(default)r)")


def backend_settings_from_args(args):
    """The backend settings of `vlm-agent ground`'s flags; a bad value (a template without its
    placeholder) raises SettingsError naming the setting."""
    from dataclasses import fields
    from .core.backends import BackendSettings
    from .core.settings import settings_from
    values = {f.name: getattr(args, f.name) for f in fields(BackendSettings)}
    values["remote_model"] = values["remote_model"] or values["model_path"]  # --model names either
    return settings_from(BackendSettings, values, "vlm-agent ground")


EXIT_ALLOWED, EXIT_ERROR, EXIT_REFUSED = 0, 1, 3  # 2 is argparse's usage error
GUARD_EXIT_CODES = ("exit status: 0 every command allowed, 3 at least one refused, 1 the guard could not load, "
                    "2 usage error")


def cmd_guard(args) -> int:
    from .core.errors import InputError
    from .core.safety.guard import CommandGuard, load_guard_config
    try:
        guard = CommandGuard(load_guard_config(args.config, embedding=not args.rules_only))
    except InputError as exc:
        print(json.dumps({"allowed": False, "category": "guard_error", "score": 1.0, "reason": str(exc)}, indent=2))
        return EXIT_ERROR
    if args.text != "-":
        verdict = guard.check(args.text)
        print(json.dumps(verdict.as_dict(), indent=2))
        return EXIT_ALLOWED if verdict.allowed else EXIT_REFUSED
    refused = False
    for line in sys.stdin:  # one command per line, one JSON object per line; the models load once
        text = line.rstrip("\r\n")
        if not text.strip():
            continue
        verdict = guard.check(text)
        refused |= not verdict.allowed
        print(json.dumps({"text": text, **verdict.as_dict()}, ensure_ascii=False), flush=True)
    return EXIT_REFUSED if refused else EXIT_ALLOWED


def cmd_render(args) -> int:
    from .core.errors import InputError
    from .core.perception.scene_dir import write_scene_dir
    from .core.sim.scene import load_scene
    from .core.sim.world import TabletopWorld
    try:
        scene = load_scene(args.scene)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    world = TabletopWorld(scene)
    frame = world.render()
    out = write_scene_dir(args.out_dir, frame.rgb, frame.depth_m, scene.camera.intrinsics,
                          scene.camera.base_from_camera())
    truth = [{"name": s.name, "shape": s.shape, "color": s.color, "position_base": s.position.round(4).tolist(),
              "size": list(s.size)} for s in world.object_states()]
    (out / "ground_truth.json").write_text(json.dumps(truth, indent=2))
    world.close()
    print(f"wrote {out}/rgb.png, depth.png, camera.yaml, ground_truth.json")
    return 0


def cmd_run_task(args) -> int:
    from .core.errors import InputError
    from .core.sim.faults import FaultConfig
    from .core.tasks.report import report_dict
    from .core.tasks.sim_agent import sim_agent
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


def cmd_export_onnx(args) -> int:
    from .core.backends.owl import export_onnx
    image, text = export_onnx(args.model_dir, args.out_dir, args.opset)
    print(f"wrote {image} and {text}")
    return 0


def cmd_models_list(args) -> int:
    from .core.backends.checkpoints import MODELS_DIR
    from .models import list_models
    found = list_models(Path(args.dir).expanduser() if args.dir else MODELS_DIR)
    for item in found:
        print(f"{item['model_type']:<16} {item['size_mb']:>9.1f} MB  {item['path']}")
    if not found:
        print("no checkpoints on disk; `vlm-agent models pull owlv2` downloads one where a network exists")
    return 0


def cmd_models_pull(args) -> int:
    from .core.backends.checkpoints import KNOWN, MODELS_DIR
    from .models import pull
    try:
        print(f"downloaded to {pull(args.name, Path(args.dir).expanduser() if args.dir else MODELS_DIR)}")
    except Exception as exc:  # no network, unknown repository, no access: say which
        print(f"error: cannot download '{args.name}' ({exc.__class__.__name__}: {str(exc)[:300]}). "
              f"Known short names: {', '.join(KNOWN)}", file=sys.stderr)
        return 1
    return 0


def cmd_build_engine(args) -> int:
    from .core.backends.tensorrt_engine import cached_engine
    from .core.errors import InputError
    try:
        for name in ("image_encoder.onnx", "text_encoder.onnx"):
            print(f"ready: {cached_engine(Path(args.onnx_dir) / name, args.cache_dir, args.precision)}")
    except (InputError, ImportError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def cmd_demo(args) -> int:
    if args.voice is not None:
        from .voice_cli import run_voice_demo
        return run_voice_demo(Path(args.out), args.params_file, args.voice)
    from .demo import run_demo
    return run_demo(Path(args.out), args.params_file)


def cmd_launch(args) -> int:
    from .graph import LAUNCH_ARGUMENTS, parameter_overrides
    from .launcher import run_graph
    overrides = parameter_overrides({a.name: getattr(args, a.name) for a in LAUNCH_ARGUMENTS})
    return run_graph(args.use_sim == "true", args.params_file, overrides, voice=True if args.voice else None)


def cmd_transcribe(args) -> int:
    from .core.speech.transcribe import transcribe_or_error
    result = transcribe_or_error(args.file, args.recognizer)
    print(json.dumps(result, ensure_ascii=False))
    return 1 if result["error"] else 0


def cmd_listen(args) -> int:
    from .voice_cli import run_listen
    return run_listen(args)


def cmd_sros2_policy(args) -> int:
    from .sros2_policy import generate
    text = generate()
    if args.out == "-":
        print(text, end="")
    else:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(text)
        print(f"wrote {args.out}")
    return 0


def cmd_test_scenarios(args) -> int:
    from .scenario_cli import run_scenarios
    return run_scenarios(args.files, args.junit, args.graph, args.params_file)


def cmd_export_gazebo(args) -> int:
    from .core.errors import InputError
    from .core.gazebo.export import export_gazebo
    try:
        written = export_gazebo(args.scene, Path(args.out_dir), args.update_rate)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for path in written:
        print(f"wrote {path}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    from .core.backends import BACKENDS, BackendSettings
    from .core.perception.scene_dir import MAX_PIXELS
    from .graph import LAUNCH_ARGUMENTS
    parser = argparse.ArgumentParser(prog="vlm-agent", description=__doc__)
    sub = parser.add_subparsers(dest="command_name", required=True)
    ground = sub.add_parser("ground", help="ground a command, or answer a question, in a SCENE_DIR "
                            "(rgb.png, depth.png, camera.yaml)")
    ground.add_argument("scene_dir")
    ground.add_argument("--command", "-c", required=True, help="a command or a question about the scene")
    ground.add_argument("--backend", default="rgbd_geometry", choices=BACKENDS)
    add_settings_flags(ground, BackendSettings, {"model_path": ("--model",)})  # --model: also the remote's name
    ground.add_argument("--no-synonyms", action="store_true", help="do not load the sentence-embedding model")
    ground.add_argument("--max-pixels", type=int, default=MAX_PIXELS,
                        help="larger images are refused from their header (default %(default)s)")
    ground.set_defaults(func=cmd_ground)
    people = sub.add_parser("people", help="detect people in an image or SCENE_DIR: one JSON object {people: "
                            "[{bbox_xyxy, score, position_camera, position_base}], latency_ms}")
    people.add_argument("path", help="image file, or SCENE_DIR (positions need depth.png and camera.yaml)")
    people.add_argument("--model-dir", default="", help="folder with the .tflite person models (default: the "
                        "package's, from scripts/setup.sh)")
    people.add_argument("--min-score", type=float, default=0.5)
    people.add_argument("--max-pixels", type=int, default=MAX_PIXELS)
    people.set_defaults(func=cmd_people)
    guard = sub.add_parser("guard", help="check a command with the safety guard", epilog=GUARD_EXIT_CODES)
    guard.add_argument("text", help="the command, or - to read one command per line from stdin (one JSON object "
                       "per line out)")
    guard.add_argument("--config", default=None, help="guard configuration (default config/guard.yaml)")
    guard.add_argument("--rules-only", action="store_true", help="skip the sentence-embedding layer")
    guard.set_defaults(func=cmd_guard)
    render = sub.add_parser("render", help="render a sim scene YAML into a SCENE_DIR")
    render.add_argument("scene", help="scene YAML path or built-in scene name")
    render.add_argument("out_dir")
    render.set_defaults(func=cmd_render)
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
    models = sub.add_parser("models", help="model utilities").add_subparsers(dest="models_command", required=True)
    listing = models.add_parser("list", help="checkpoints on disk")
    listing.add_argument("--dir", default=None)
    listing.set_defaults(func=cmd_models_list)
    pulling = models.add_parser("pull", help="download a checkpoint (short name or Hugging Face repository)")
    pulling.add_argument("name")
    pulling.add_argument("--dir", default=None)
    pulling.set_defaults(func=cmd_models_pull)
    export = models.add_parser("export-onnx", help="export an OWL-ViT/OWLv2 checkpoint's encoders to ONNX")
    export.add_argument("model_dir")
    export.add_argument("out_dir")
    export.add_argument("--opset", type=int, default=17)
    export.set_defaults(func=cmd_export_onnx)
    engine = models.add_parser("build-engine", help="build (or find cached) TensorRT engines for exported encoders")
    engine.add_argument("onnx_dir")
    engine.add_argument("--precision", default="fp16", choices=("fp16", "fp32"))
    engine.add_argument("--cache-dir", default="~/.cache/vlm_agent/engines")
    engine.set_defaults(func=cmd_build_engine)
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
    add_voice_commands(sub, demo, launch)
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
    return parser


def add_voice_commands(sub, demo, launch) -> None:
    transcribe = sub.add_parser("transcribe", help="transcribe a WAV file (any rate, any channels): one JSON object "
                                "{text, confidence, language, segments, latency_ms}; exit 1 when nothing was heard")
    transcribe.add_argument("file")
    transcribe.add_argument("--recognizer", default="whisper", choices=("whisper", "sphinx"))
    transcribe.set_defaults(func=cmd_transcribe)
    listen = sub.add_parser("listen", help="send what the microphone (or a WAV file/folder) hears into the running "
                            "graph; print each command and the agent's answer")
    source = listen.add_mutually_exclusive_group()
    source.add_argument("--device", default=None, help="microphone index or name (default: the system's)")
    source.add_argument("--file", default=None, help="WAV file or folder of WAV files instead of a microphone")
    listen.add_argument("--recognizer", default="whisper", choices=("whisper", "sphinx"))
    listen.add_argument("--activation", default="always_on", choices=("always_on", "wake_phrase"))
    listen.add_argument("--min-confidence", type=float, default=0.65)
    listen.add_argument("--speak", action="store_true", help="speak the answers (espeak-ng)")
    listen.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for each answer")
    listen.set_defaults(func=cmd_listen)
    demo.add_argument("--voice", nargs="?", const="", default=None, metavar="WAV",
                      help="speak the demo commands (a WAV file/folder of spoken commands, default: espeak-ng "
                      "renders them) and send them through the voice pipeline")
    launch.add_argument("--voice", action="store_true", help="also start the voice and speech nodes")


def main(argv=None) -> None:
    args = build_parser().parse_args(argv)
    sys.exit(args.func(args))


if __name__ == "__main__":
    main()
