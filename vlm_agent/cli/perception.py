"""`vlm-agent ground`, `people` and `render`: perception on a SCENE_DIR or image, and the simulator's
scenes rendered into one."""
from __future__ import annotations

import json
import sys

from .settings_flags import add_settings_flags


def add_commands(sub) -> None:
    from ..core.backends import BACKENDS, BackendSettings
    from ..core.perception.scene_dir import MAX_PIXELS
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
    render = sub.add_parser("render", help="render a sim scene YAML into a SCENE_DIR")
    render.add_argument("scene", help="scene YAML path or built-in scene name")
    render.add_argument("out_dir")
    render.set_defaults(func=cmd_render)


def backend_settings_from_args(args):
    """The backend settings of `vlm-agent ground`'s flags; a bad value (a template without its
    placeholder) raises SettingsError naming the setting."""
    from dataclasses import fields
    from ..core.backends import BackendSettings
    from ..core.settings import settings_from
    values = {f.name: getattr(args, f.name) for f in fields(BackendSettings)}
    values["remote_model"] = values["remote_model"] or values["model_path"]  # --model names either
    return settings_from(BackendSettings, values, "vlm-agent ground")


def cmd_ground(args) -> int:
    from ..core.backends import create_backend
    from ..core.errors import InputError
    from ..core.perception.grounding import Grounder
    from ..core.perception.objects import STATUS_ERROR, GroundingResult
    from ..core.perception.report import result_dict
    from ..core.perception.scene_dir import read_scene_dir
    from ..core.language.synonyms import SynonymResolver
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
    from ..core.perception.people_objects import people_objects
    found = [{"id": f"person_{i + 1}", "score": p["score"], "bbox_xyxy": p["bbox_xyxy"], "centroid": p["position_base"],
              "closest_point": p["closest_point_base"]} for i, p in enumerate(people.get("people") or [])]
    return tuple(people_objects(found, frame.base_from_camera))


def _people_or_error(frame) -> dict:
    """{'people': [...]} or, without the person models, {'people': None, 'people_error': why}."""
    from ..core.errors import InputError
    from ..core.perception.people import PersonDetector
    from ..core.perception.people_report import people_in_frame
    try:
        return {"people": people_in_frame(frame, PersonDetector())["people"]}
    except InputError as exc:
        return {"people": None, "people_error": str(exc)}


def cmd_people(args) -> int:
    from ..core.errors import InputError
    from ..core.perception.people import PersonDetector
    from ..core.perception.people_report import people_in_frame, read_image_or_scene
    try:
        frame = read_image_or_scene(args.path, args.max_pixels)
        report = people_in_frame(frame, PersonDetector(args.model_dir or None, args.min_score))
    except InputError as exc:
        print(json.dumps({"error": str(exc)}, indent=2))
        return 1
    print(json.dumps(report, indent=2))
    return 0


def cmd_render(args) -> int:
    from ..core.errors import InputError
    from ..core.perception.scene_dir import write_scene_dir
    from ..core.sim.scene import load_scene
    from ..core.sim.world import TabletopWorld
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
