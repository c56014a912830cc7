"""The robot's command path, in process, on the built-in simulator:
stop? -> rate limit -> command guard -> grounding (on a fresh render) -> planner -> plan guard -> executor
limits -> execute.

`run_command` is the one function a scenario run calls per command; the settings come from the
same parameters file as the node graph (config/agent.yaml: guard and planner blocks), so the
in-process run and `--graph` judge a command alike. Statuses are the guard node's outcomes.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from ..errors import InputError
from ..perception.frame import RGBDFrame
from ..perception.grounding import Grounder
from ..perception.objects import STATUS_ERROR, STATUS_REFUSED
from ..planning.planner import PlannerConfig, plan_command
from ..runtime.supervision import ANSWERED, BUSY, ERROR, EXECUTED, NOT_EXECUTED, REFUSED, STOPPED
from ..safety.audit import RateLimiter
from ..safety.guard import CommandGuard, load_guard_config
from ..safety.plan_guard import ExecutionLimits, PlanGuard, Workspace
from ..safety.stop_intent import is_stop_command
from ..sim.world import TabletopWorld


@dataclass(frozen=True)
class CommandRun:
    """What happened to one command, in the terms a scenario checks."""
    status: str                 # executed, answered, refused, stopped, not_executed, error
    latency_ms: float
    grounding: str = ""         # ok, not_found, ambiguous, error; "" when grounding never ran
    refusal: str = ""           # the refusing verdict's category
    plan_released: bool = False
    message: str = ""


@dataclass
class Stages:
    """Everything the command path needs besides the world; built once, reused for every command."""
    guard: CommandGuard
    grounder: Grounder
    planner: PlannerConfig
    plan_guard: PlanGuard
    limits: ExecutionLimits
    max_commands: int = 20          # per rate_window_s, as the guard node's rate limit
    rate_window_s: float = 10.0

    def rate_limiter(self) -> RateLimiter:
        return RateLimiter(self.max_commands, self.rate_window_s)


def stages_from_params(params_file: str | Path, grounder: Grounder | None = None) -> Stages:
    """The guard, planner and executor settings of a parameters file (config/agent.yaml format)."""
    from ..backends import create_backend
    from ..language.synonyms import SynonymResolver
    try:
        blocks = yaml.safe_load(Path(params_file).read_text()) or {}
        guard_p = (blocks.get("guard") or {}).get("ros__parameters") or {}
        planner_p = (blocks.get("planner") or {}).get("ros__parameters") or {}
        sim_p = (blocks.get("sim") or {}).get("ros__parameters") or {}
    except (OSError, yaml.YAMLError, AttributeError) as exc:
        raise InputError(f"cannot read parameters file {params_file}: {exc}") from exc
    zones = guard_p.get("keep_out_zones", [0.0])
    keep_out = tuple(Workspace(tuple(zones[i:i + 3]), tuple(zones[i + 3:i + 6])) for i in range(0, len(zones) - 5, 6))
    plan_guard = PlanGuard(
        Workspace(tuple(guard_p.get("workspace_min", Workspace.minimum)),
                  tuple(guard_p.get("workspace_max", Workspace.maximum))),
        float(guard_p.get("max_speed", 0.5)), str(guard_p.get("base_frame", "base_link")), keep_out,
        float(guard_p.get("person_clearance", 0.35)), str(guard_p.get("near_person", "refuse")),
        float(guard_p.get("slow_speed", 0.05)), tuple(guard_p.get("forbidden_labels", PlanGuard.forbidden_labels)),
        float(guard_p.get("sweep_radius", 0.06)), hazard_clearance=float(guard_p.get("hazard_clearance", 0.8)))
    planner_fields = set(PlannerConfig.__dataclass_fields__)
    planner = PlannerConfig(**{k: v for k, v in planner_p.items() if k in planner_fields})
    limits = ExecutionLimits(
        Workspace(tuple(sim_p.get("workspace_min", Workspace.minimum)),
                  tuple(sim_p.get("workspace_max", Workspace.maximum))),
        float(sim_p.get("max_speed", 0.5)), int(sim_p.get("max_steps", 50)),
        float(sim_p.get("max_plan_duration_s", 120.0)))
    guard = CommandGuard(load_guard_config(guard_p.get("guard_config") or None,
                                           embedding=bool(guard_p.get("use_embedding_guard", True))))
    grounder = grounder or Grounder(create_backend("rgbd_geometry"), SynonymResolver())
    return Stages(guard, grounder, planner, plan_guard, limits, int(guard_p.get("max_commands", 20)),
                  float(guard_p.get("rate_window_s", 10.0)))


def run_command(stages: Stages, world: TabletopWorld, text: str, command_id: str = "scenario",
                limiter: RateLimiter | None = None) -> CommandRun:
    """One command through the whole path; the world moves only if every gate let the plan through.
    `limiter`: the guard's rate limit for this command source (None: no limit)."""
    start = time.perf_counter()

    def done(status: str, **details) -> CommandRun:
        return CommandRun(status, (time.perf_counter() - start) * 1000, **details)

    if is_stop_command(text):  # nothing runs between commands here, so a stop halts nothing
        return done(STOPPED, message="stopped; nothing was moving")
    if limiter is not None and not limiter.allow():
        return done(BUSY, message=f"Busy: more than {stages.max_commands} commands in {stages.rate_window_s:.0f} s; "
                    f"try again in {limiter.retry_after():.1f} s.")
    verdict = stages.guard.check(text)
    if not verdict.allowed:
        if verdict.category == "invalid_input":  # bad input, not harm: the guard node answers error
            return done(ERROR, grounding=STATUS_ERROR, refusal=verdict.category, message=verdict.reason)
        return done(REFUSED, grounding=STATUS_REFUSED, refusal=verdict.category, message=verdict.reason)
    scene = world.scene
    rendered = world.render()
    try:
        frame = RGBDFrame(rendered.rgb, rendered.depth_m, scene.camera.intrinsics, scene.camera.base_from_camera(),
                          base_frame_id=stages.planner.base_frame)
        result = stages.grounder.ground(frame, text)
    except InputError as exc:
        return done(ERROR, grounding=STATUS_ERROR, message=str(exc))
    if result.status == STATUS_ERROR:
        return done(ERROR, grounding=STATUS_ERROR, message=result.message)
    outcome = plan_command(result, command_id, stages.planner)
    if outcome.plan is None:
        return done(ANSWERED, grounding=result.status, message=outcome.explanation)
    labels = {m.obj.id: m.obj.label for m in (result.target, result.destination, *result.references) if m}
    people = [(x, y, 0.0) for x, y in scene.people]
    verdict, released = stages.plan_guard.check(outcome.plan, people, labels, world.gripper_position)
    if released is None:
        return done(REFUSED, grounding=result.status, refusal=verdict.category, message=verdict.reason)
    problem = stages.limits.problem(released, world.gripper_position)
    if problem:
        return done(NOT_EXECUTED, grounding=result.status, plan_released=True,
                    message=f"plan not executed: {problem}")
    log = world.execute(released)
    return done(EXECUTED, grounding=result.status, plan_released=True, message="; ".join(log))


def object_positions(world: TabletopWorld) -> dict[str, np.ndarray]:
    return {state.name: state.position for state in world.object_states()}
