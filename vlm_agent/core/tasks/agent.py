"""The task agent: ONE pipeline you can step through.

    command guard (whole text) -> decomposition (explained before it starts) -> command guard (each step)
    -> for each step: ground on a fresh frame -> free space -> plan -> plan guard -> execute -> observe
       -> verify; on a failed check, retry (re-ground, re-plan) once, else stop and say what failed
       and what the scene looks like now.

Nothing moves without both guards' approval; a guard error refuses. Nodes, the CLI, the benchmark
and the tests all call TaskAgent.run()."""
from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass, field, replace
from typing import Callable

import numpy as np

from ..errors import InputError
from ..perception.grounding import Grounder, describe
from ..perception.objects import STATUS_OK, Plan, SceneObject
from ..planning.planner import PlannerConfig, plan_command
from ..safety.guard import CommandGuard
from ..safety.plan_guard import PlanGuard
from .context import TaskContext
from .decompose import decompose
from .executor import TaskExecutor
from .placement import carry_problem, free_placement, rests_on
from .step_grounding import ground_step, merged_support
from .steps import (CANCELED, ERROR, FAILED, REFUSED, SKIPPED, SUCCEEDED, Attempt, ObjectRef, StepReport,
                    TaskReport, TaskStep)
from .verify import Verification, verify_pick, verify_place, verify_push

Feedback = Callable[[int, int, str, str], None]   # (step, total_steps, stage, message)


@dataclass(frozen=True)
class AgentConfig:
    planner: PlannerConfig = field(default_factory=PlannerConfig)
    attempts: int = 2      # a try and one retry with a fresh observation and a new plan


class _StepFailed(Exception):
    def __init__(self, status: str, message: str, retry: bool = False):
        super().__init__(message)
        self.status, self.retry = status, retry


class TaskAgent:
    def __init__(self, executor: TaskExecutor, guard: CommandGuard, grounder: Grounder,
                 plan_guard: PlanGuard | None = None, config: AgentConfig = AgentConfig()):
        self.executor, self.guard, self.grounder = executor, guard, grounder
        self.plan_guard, self.config = plan_guard or PlanGuard(), config
        self.context = TaskContext()   # kept across run() calls: "now put it on the plate"
        self._ids = itertools.count(1)
        self._placed: list[SceneObject] = []
        self._supports: dict[str, ObjectRef] = {}   # destinations as last seen, by the words that named them

    def run(self, text: str, cancel: threading.Event | None = None, feedback: Feedback | None = None) -> TaskReport:
        cancel, say = cancel or threading.Event(), feedback or (lambda *_: None)
        self._placed = []   # objects this task put down, where it put them
        say(0, 0, "guard", "checking the command")
        verdict = self.guard.check(text)
        if not verdict.allowed:
            return self._report(REFUSED, f"I will not do this. {verdict.reason}", verdict=verdict)
        say(0, 0, "decompose", "looking at the scene")
        decomposition = decompose(text, self._objects(), self.grounder, self.context)
        if decomposition.status != SUCCEEDED or not decomposition.steps:
            return self._report(decomposition.status, decomposition.message, verdict=verdict)
        steps, announcement = decomposition.steps, decomposition.announcement
        say(0, len(steps), "decompose", announcement)
        step_verdicts = [self.guard.check(step.text) for step in steps]
        refused = next((i for i, v in enumerate(step_verdicts) if not v.allowed), None)
        if refused is not None:
            reports = tuple(StepReport(s.text, REFUSED if i == refused else SKIPPED,
                                       step_verdicts[i].reason if i == refused else "not started", step_verdicts[i])
                            for i, s in enumerate(steps))
            return self._report(REFUSED, f"{announcement} I will not do this: step {refused + 1} ({steps[refused].text})"
                                f" is refused. {step_verdicts[refused].reason}", verdict, announcement, reports)
        reports, seconds, placed = [], [], []
        for index, step in enumerate(steps, 1):
            started = time.perf_counter()
            self.executor.begin_step(index, step.text)
            claimed = placed + [s.target.anchor for s in steps[index:] if s.target and s.target.anchor]
            report = self._step(index, len(steps), step, claimed, cancel, say, step_verdicts[index - 1])
            reports.append(report)
            seconds.append(time.perf_counter() - started)
            if report.status != SUCCEEDED:
                break
            if self.context.last is not None and self.context.last.anchor is not None:
                placed.append(self.context.last.anchor)
        reports += [StepReport(s.text, SKIPPED, "not started", step_verdicts[i])
                    for i, s in enumerate(steps) if i >= len(reports)]
        return self._report(*self._summary(announcement, reports), verdict, announcement, tuple(reports),
                            tuple(seconds))

    # ---- one step ----------------------------------------------------------------------------
    def _step(self, index, total, step: TaskStep, claimed, cancel, say, verdict) -> StepReport:
        attempts, explanation = [], ""
        for attempt in range(self.config.attempts):
            try:
                explanation = self._attempt(index, total, step, claimed, cancel, say, attempts)
                return StepReport(step.text, SUCCEEDED, explanation, verdict, tuple(attempts))
            except _StepFailed as failure:
                explanation = str(failure)
                if not failure.retry or attempt + 1 == self.config.attempts:
                    return StepReport(step.text, failure.status, explanation, verdict, tuple(attempts))
                step = _anchored_at_last_try(step, attempts[-1])
                say(index, total, "verify", f"{explanation}; trying once more with a fresh look")
        return StepReport(step.text, FAILED, explanation, verdict, tuple(attempts))

    def _attempt(self, index, total, step: TaskStep, claimed, cancel, say, attempts) -> str:
        if cancel.is_set():
            raise _StepFailed(CANCELED, "canceled before the step started")
        say(index, total, "ground", f"looking for the {step.target.words if step.target else 'objects'}")
        frame = self.executor.observe()
        if step.kind == "question":
            result = self.grounder.ground(frame, step.text)
            attempts.append(Attempt(grounding=result, ok=result.status == STATUS_OK))
            if result.status != STATUS_OK:
                raise _StepFailed(result.status, result.message)
            return result.answer or result.message
        objects = self.grounder.backend.propose(frame)
        held = self._held_for(step)
        result = ground_step(self.grounder, objects, step, claimed, held)
        remembered = self._supports.get(step.destination.words) if step.destination is not None else None
        if result.status != STATUS_OK and result.target is not None and remembered is not None:
            # the support may now look merged with what the task put on it: use it as last seen
            step = replace(step, destination=remembered)
            result = ground_step(self.grounder, objects, step, claimed, held)
        if result.status != STATUS_OK:
            attempts.append(Attempt(grounding=result))
            raise _StepFailed(result.status, f"I will not move: {result.message}")
        target, note, support = result.target.obj, "", result.destination
        if step.action == "place" and held is None and step.relation in ("on", "in") and \
                rests_on(target, result.destination.obj):
            attempts.append(Attempt(grounding=result, verification="already there", ok=True))
            self._remember(step, target, None)
            return f"The {target.description} is already on the {result.destination.obj.description}: nothing to do."
        if step.action == "place":
            objects = self._obstacles(objects, step, result.destination.obj)
            placed_result, note = free_placement(result, target, objects, self.config.planner)
            if placed_result is None:
                attempts.append(Attempt(grounding=result))
                raise _StepFailed(FAILED, f"I will not place it: {note}")
            result = placed_result
        say(index, total, "plan", result.message)
        outcome = plan_command(result, f"task-{next(self._ids)}", self.config.planner)
        if outcome.plan is None:
            attempts.append(Attempt(grounding=result))
            raise _StepFailed(FAILED, outcome.explanation)
        plan = _without_pick(outcome.plan) if held is not None else outcome.plan
        if step.action == "place":
            problem = carry_problem(plan, target, objects, ignore=(result.destination.obj,))
            if problem:
                attempts.append(Attempt(grounding=result, plan=plan))
                raise _StepFailed(FAILED, f"I will not move: {problem}")
        say(index, total, "check", "checking the plan")
        labels = {m.obj.id: m.obj.label for m in (result.target, result.destination) if m is not None}
        try:
            people = self.executor.people()
        except InputError as exc:  # no people detector: nothing is approved
            attempts.append(Attempt(grounding=result, plan=plan))
            raise _StepFailed(REFUSED, f"The plan is refused: {exc}")
        plan_verdict, approved = self.plan_guard.check(plan, people=people, object_labels=labels,
                                                       start=self.executor.end_effector_position())
        if not plan_verdict.allowed or approved is None:
            attempts.append(Attempt(grounding=result, plan=plan, plan_verdict=plan_verdict))
            raise _StepFailed(REFUSED, f"The plan is refused: {plan_verdict.reason}")
        explanation = outcome.explanation + (f" Free space: {note}." if note else "")
        say(index, total, "execute", explanation)
        for part in _pick_then_rest(approved, step.action):
            execution = self.executor.execute(part, cancel, lambda line: say(index, total, "execute", line))
            if cancel.is_set() or not execution.completed:
                self._remember_after_halt(step, target)
                attempts.append(Attempt(result, approved, plan_verdict, execution.message))
                raise _StepFailed(CANCELED if cancel.is_set() else FAILED, f"stopped: {execution.message}")
            if part is not approved and part.steps[-1] is not approved.steps[-1]:
                say(index, total, "verify", "checking the grasp")
                grasp = verify_pick(target, self.executor.holding(), self._objects())
                if not grasp.ok:
                    attempts.append(Attempt(result, approved, plan_verdict, execution.message, grasp.message))
                    self._remember_after_halt(step, target)
                    raise _StepFailed(FAILED, f"{explanation} Check failed: {grasp.message}", retry=True)
        say(index, total, "verify", "checking the result")
        check = self._verify(step, result, approved, self.grounder.backend.propose(self.executor.observe()))
        attempts.append(Attempt(result, approved, plan_verdict, execution.message, check.message, check.ok))
        if not check.ok:
            self._remember_after_halt(step, target)
            raise _StepFailed(FAILED, f"{explanation} Check failed: {check.message}", retry=True)
        self._remember(step, target, approved)
        if step.action == "place":
            self._supports[step.destination.words] = ObjectRef(step.destination.phrase,
                                                               tuple(float(v) for v in support.obj.center_base),
                                                               support.obj)
            release = next(s.position for s in approved.steps if s.action == "place")
            self._placed.append(replace(target, center_base=np.asarray(release, float)))
        return f"{explanation} Done: {check.message}."

    def _verify(self, step: TaskStep, result, plan: Plan, after: list[SceneObject]):
        target = result.target.obj
        holding = self.executor.holding()
        if step.action == "pick":
            return verify_pick(target, holding, after)
        if step.action == "place":
            release = np.asarray(next(s.position for s in plan.steps if s.action == "place"), float)
            support = result.destination.obj if step.relation in ("on", "in") else None
            return verify_place(target, release, holding, after, support)
        if step.action == "push":
            return verify_push(target, after)
        return Verification(True, "pointed at it")

    def _obstacles(self, objects: list[SceneObject], step: TaskStep, destination: SceneObject) -> list[SceneObject]:
        """What the placement must keep clear of. When the support is taken as remembered (the camera
        merges it with what stands on it), the merged blob is the support, and what this task put on it
        is in the way."""
        if destination is not step.destination.seen:
            return objects
        blob = merged_support(step.destination, objects)
        radius = 0.5 * float(max(destination.size[:2])) + 0.03
        on_it = [p for p in self._placed if np.linalg.norm(p.center_base[:2] - destination.center_base[:2]) < radius]
        return [o for o in objects if o is not blob] + on_it

    # ---- context ------------------------------------------------------------------------------
    def _held_for(self, step: TaskStep) -> SceneObject | None:
        """The held object, when the step is about it; raises when the step needs an empty gripper."""
        context, holding = self.context, self.executor.holding()
        if context.held is not None and holding and _same_object(step.target, context.held):
            return replace(context.held_object, center_base=self.executor.end_effector_position())
        if holding and step.action in ("pick", "place", "push"):
            what = f"the {context.held.words}" if context.held is not None else "an object"
            raise _StepFailed(FAILED, f"I am holding {what}; put it down before I {step.action} another object")
        if context.held is not None and not holding:
            context.forget_held()
        return None

    def _remember(self, step: TaskStep, target: SceneObject, plan: Plan | None) -> None:
        position = target.center_base
        if step.action == "place" and plan is not None:
            position = next(s.position for s in plan.steps if s.action == "place")
        position = tuple(float(v) for v in position)
        ref = ObjectRef(step.target.phrase, position)
        self.context.last = ref
        if step.action == "pick":
            self.context.held, self.context.held_object = ref, target
        elif step.action == "place":
            self.context.forget_held()

    def _remember_after_halt(self, step: TaskStep, target: SceneObject) -> None:
        if self.executor.holding():
            self.context.held = ObjectRef(step.target.phrase, tuple(float(v) for v in target.center_base))
            self.context.held_object = target
        else:
            self.context.forget_held()

    # ---- reporting ----------------------------------------------------------------------------
    def _objects(self) -> list[SceneObject]:
        return self.grounder.backend.propose(self.executor.observe())

    def _summary(self, announcement: str, reports: list[StepReport]) -> tuple[str, str]:
        done = [r for r in reports if r.status == SUCCEEDED]
        if len(done) == len(reports):
            return SUCCEEDED, f"{announcement} Done: all {len(reports)} step{'s' if len(reports) > 1 else ''} " \
                              f"succeeded and were checked. {reports[-1].explanation}"
        failed = next(r for r in reports if r.status != SUCCEEDED)
        number = reports.index(failed) + 1
        try:
            scene = describe(self._objects())
        except Exception as exc:  # the report must still go out; say why the scene is unknown
            scene = f"I cannot look at the scene now ({exc})."
        status = failed.status if failed.status != SKIPPED else ERROR
        return status, (f"{announcement} Step {number} of {len(reports)} ({failed.text}) {failed.status}: "
                        f"{failed.explanation.rstrip('.')}. I stopped after {len(done)} of {len(reports)} steps. Now: {scene}")

    def _report(self, status, explanation, verdict=None, announcement="", steps=(), seconds=()) -> TaskReport:
        return TaskReport(status, explanation, verdict, announcement, tuple(steps), self.executor.object_states(),
                          tuple(seconds))


def _anchored_at_last_try(step: TaskStep, attempt: Attempt) -> TaskStep:
    """The retry looks for the object where the failed try found it (a slipped object lies there)."""
    target = attempt.grounding.target if attempt.grounding is not None else None
    if target is None or target.obj.center_base is None or step.target.anchor is not None:
        return step
    return replace(step, target=ObjectRef(step.target.phrase, tuple(float(v) for v in target.obj.center_base)))


def _same_object(ref: ObjectRef, held: ObjectRef) -> bool:
    if ref.phrase.head != held.phrase.head:
        return False
    return ref.anchor is None or held.anchor is None or \
        float(np.linalg.norm(np.subtract(ref.anchor[:2], held.anchor[:2]))) < 0.06


def _pick_then_rest(plan: Plan, action: str) -> tuple[Plan, ...]:
    """A place plan runs in two parts, so the grasp is checked before the object is carried."""
    grasp = next((i for i, s in enumerate(plan.steps) if s.gripper == "close"), None)
    if action != "place" or grasp is None or grasp + 2 >= len(plan.steps):
        return (plan,)
    return replace(plan, steps=plan.steps[:grasp + 2]), replace(plan, steps=plan.steps[grasp + 2:])


def _without_pick(plan: Plan) -> Plan:
    """A place plan for an object already in the gripper: drop the approach, grasp and lift."""
    grasp = next(i for i, s in enumerate(plan.steps) if s.gripper == "close")
    return replace(plan, steps=plan.steps[grasp + 2:])
