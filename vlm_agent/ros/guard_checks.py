"""The guard's checks, built from its parameters: the command guard, the plan guard and the
optional image guard. A check that cannot be built leaves `failure` set: the guard then refuses
everything (fail closed)."""
from __future__ import annotations

from dataclasses import dataclass

from vlm_agent.core.safety.guard import CommandGuard, load_guard_config
from vlm_agent.core.safety.plan_guard import PlanGuard, Workspace

from .image_input import RGBDInput


@dataclass
class GuardChecks:
    command_guard: CommandGuard | None
    failure: str
    image_guard: object | None
    image_input: RGBDInput | None
    plan_guard: PlanGuard


def declare_checks(node) -> GuardChecks:
    base_frame = node.param("base_frame", "base_link", "Frame plans must be expressed in.")
    lower = node.param("workspace_min", [0.10, -0.60, -0.02], "Workspace lower corner x, y, z in base_frame, m.")
    upper = node.param("workspace_max", [1.00, 0.60, 0.60], "Workspace upper corner x, y, z in base_frame, m.")
    max_speed = node.param("max_speed", 0.5, "Highest end-effector speed a plan may request, m/s.")
    zones = node.param("keep_out_zones", [0.0], "Boxes no plan step may enter: 6 floats each (min x, y, z, "
                       "max x, y, z) in base_frame; [0.0] = none.")
    clearance = node.param("person_clearance", 0.35, "Distance a plan keeps from people on the people topic, m.")
    near_person = node.param("near_person", "refuse", "refuse, or slow (cap speeds at slow_speed) near people.")
    slow_speed = node.param("slow_speed", 0.05, "Speed cap near people in slow mode, m/s.")
    forbidden = node.param("forbidden_labels", ["knife", "scissors", "person"],
                           "Object categories a plan may never handle.")
    config_path = node.param("guard_config", "", "Guard rules and examples ('' = config/guard.yaml).")
    use_embedding = node.param("use_embedding_guard", True, "Run the sentence-embedding layer.")
    image_model = node.param("image_guard_model_path", "", "ShieldGemma 2 weights to check the camera image "
                             "before releasing a plan ('' = off).")
    image_threshold = node.param("image_guard_threshold", 0.5, "ShieldGemma 2 'Yes' probability that refuses.")
    command_guard, failure = None, ""
    try:
        command_guard = CommandGuard(load_guard_config(config_path or None, embedding=use_embedding))
        command_guard.check("pick up the red cube")  # warm up: the first real check is not the slow one
    except Exception as exc:  # fail closed: without a guard every command is refused
        failure = f"guard unavailable ({exc}); refusing every command"
    image_guard, image_input = None, None
    if image_model:
        try:
            from vlm_agent.core.safety.guard_models import ShieldGemma2
            image_guard = ShieldGemma2(image_model, threshold=image_threshold)
        except Exception as exc:  # fail closed: plans need the image guard it was configured with
            failure = f"image guard unavailable ({exc}); refusing every command and plan"
        image_input = RGBDInput(node, "auto", 0.05, use_depth=False)
    keep_out = tuple(Workspace(tuple(zones[i:i + 3]), tuple(zones[i + 3:i + 6]))
                     for i in range(0, len(zones) - 5, 6)) if len(zones) >= 6 else ()
    sweep = node.param("sweep_radius", 0.06, "Radius of the gripper and what it holds, swept along the path, m.")
    hazard = node.param("hazard_clearance", 0.8, "Distance a hazardous object (knife, scissors, ...) is "
                        "carried from people, m.")
    plan_guard = PlanGuard(Workspace(tuple(lower), tuple(upper)), max_speed, base_frame, keep_out,
                                clearance, near_person, slow_speed, tuple(forbidden), sweep,
                                hazard_clearance=hazard)
    return GuardChecks(command_guard, failure, image_guard, image_input, plan_guard)
