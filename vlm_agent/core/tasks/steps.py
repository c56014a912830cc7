"""Small frozen types of the task layer: what a step asks for and how it ended."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..language.command_parser import ObjectPhrase
from ..perception.objects import GroundingResult, Plan, SceneObject, Verdict

# step and task statuses (the ExecuteTask action's vocabulary)
SUCCEEDED, FAILED, REFUSED, NOT_FOUND, AMBIGUOUS, ERROR, CANCELED, SKIPPED = (
    "succeeded", "failed", "refused", "not_found", "ambiguous", "error", "canceled", "skipped")


@dataclass(frozen=True)
class ObjectRef:
    """An object a step names: the phrase, and where it was seen when the task was decomposed
    (None: resolve the phrase honestly on the step's fresh frame)."""
    phrase: ObjectPhrase
    anchor: tuple[float, float, float] | None = None
    seen: SceneObject | None = field(default=None, compare=False)  # as perceived (or predicted) then

    @property
    def words(self) -> str:
        return self.phrase.head


@dataclass(frozen=True)
class TaskStep:
    """One primitive task: pick, place (stack = place on), push or point_at."""
    text: str                         # the step as a command the parser understands (checked by the guard)
    action: str
    target: ObjectRef | None          # None for a question about the whole scene
    destination: ObjectRef | None = None
    relation: str = ""                # on, in, left_of, ... for place
    kind: str = "single"              # single, quantified, stack, tower, sort, clear, context

    def describe(self) -> str:
        where = ""
        if self.target is not None and self.target.anchor is not None:
            where = f" (at {self.target.anchor[0]:.2f}, {self.target.anchor[1]:.2f})"
        return self.text + where if where and self.kind != "single" else self.text


@dataclass(frozen=True)
class Decomposition:
    status: str                       # succeeded, or not_found / ambiguous / error with the message
    steps: tuple[TaskStep, ...] = ()
    message: str = ""

    @property
    def announcement(self) -> str:
        if not self.steps:
            return self.message
        if len(self.steps) == 1:
            return f"I will do 1 thing: {self.steps[0].describe()}."
        listed = "; ".join(f"{i + 1}. {s.describe()}" for i, s in enumerate(self.steps))
        return f"I will do {len(self.steps)} things: {listed}."


@dataclass(frozen=True)
class Attempt:
    """One try at a step: everything the pipeline decided on the way."""
    grounding: GroundingResult | None = None
    plan: Plan | None = None
    plan_verdict: Verdict | None = None
    execution: str = ""
    verification: str = ""
    ok: bool = False


@dataclass(frozen=True)
class StepReport:
    text: str
    status: str
    explanation: str
    verdict: Verdict | None = None    # the command guard on the step's text
    attempts: tuple[Attempt, ...] = ()


@dataclass(frozen=True)
class TaskReport:
    status: str
    explanation: str
    verdict: Verdict | None = None    # the command guard on the whole text
    announcement: str = ""
    steps: tuple[StepReport, ...] = ()
    objects: dict = field(default_factory=dict)   # name -> {"position_base": [...], "held": bool}
    step_seconds: tuple[float, ...] = ()

    def audit_record(self) -> dict:
        """Every verdict of the task, for the append-only audit log."""
        return {"status": self.status, "command_verdict": _verdict(self.verdict),
                "steps": [{"text": s.text, "status": s.status, "verdict": _verdict(s.verdict),
                           "plan_verdicts": [_verdict(a.plan_verdict) for a in s.attempts if a.plan_verdict]}
                          for s in self.steps]}


def _verdict(verdict: Verdict | None) -> dict | None:
    return None if verdict is None else {"allowed": verdict.allowed, "category": verdict.category,
                                         "reason": verdict.reason}
