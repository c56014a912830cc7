"""The guard's checks, built from its settings: the command guard, the plan guard and the
optional image guard. A check that cannot be built leaves `failure` set: the guard's configure
then fails and it stays unconfigured, so nothing passes it (fail closed)."""
from __future__ import annotations

from dataclasses import dataclass

from vlm_agent.core.safety.guard import CommandGuard, load_guard_config
from vlm_agent.core.safety.plan_guard import PlanGuard, Workspace
from vlm_agent.core.settings.nodes import GuardSettings

from .image_input import RGBDInput


@dataclass
class GuardChecks:
    command_guard: CommandGuard | None
    failure: str
    image_guard: object | None
    image_input: RGBDInput | None
    plan_guard: PlanGuard


def plan_guard_from(s: GuardSettings) -> PlanGuard:
    zones = s.keep_out_zones
    keep_out = tuple(Workspace(tuple(zones[i:i + 3]), tuple(zones[i + 3:i + 6]))
                     for i in range(0, len(zones) - 5, 6)) if len(zones) >= 6 else ()
    return PlanGuard(Workspace(tuple(s.workspace_min), tuple(s.workspace_max)), s.max_speed, s.base_frame, keep_out,
                     s.person_clearance, s.near_person, s.slow_speed, tuple(s.forbidden_labels), s.sweep_radius,
                     hazard_clearance=s.hazard_clearance)


def build_checks(node, s: GuardSettings) -> GuardChecks:
    command_guard, failure = None, ""
    try:
        command_guard = CommandGuard(load_guard_config(s.guard_config or None, embedding=s.use_embedding_guard))
        command_guard.check("pick up the red cube")  # warm up: the first real check is not the slow one
    except Exception as exc:  # fail closed: without a guard every command is refused
        failure = f"guard unavailable ({exc})"
    image_guard, image_input = None, None
    if s.image_guard_model_path:
        try:
            from vlm_agent.core.safety.guard_models import ShieldGemma2
            image_guard = ShieldGemma2(s.image_guard_model_path, threshold=s.image_guard_threshold)
        except Exception as exc:  # fail closed: plans need the image guard it was configured with
            failure = f"image guard unavailable ({exc})"
        image_input = RGBDInput(node, "auto", 0.05, use_depth=False)
    return GuardChecks(command_guard, failure, image_guard, image_input, plan_guard_from(s))
