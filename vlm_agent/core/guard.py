"""Safety guard: policy rules on commands, geometric limits on plans. Fails closed."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from .command_parser import MAX_COMMAND_CHARS
from .objects import Plan, Verdict

ALLOWED = "none"


@dataclass(frozen=True)
class PolicyRule:
    category: str
    pattern: re.Pattern
    reason: str


DEFAULT_RULES = {
    "harm_to_people": (
        r"\b(hit|punch|stab|hurt|kill|attack|strike|slap|kick|injure|harm|choke|poke|shoot|throw \w+( \w+)? at|"
        r"throw at|smash \w+ into)\b.*\b(person|people|human|man|woman|child|kid|baby|someone|somebody|me|him|"
        r"her|them|user|operator|face|head|eye|eyes|hand)\b",
        "the command aims the robot at a person"),
    "weapons_hazards": (
        r"\b(knife|knives|blade|razor|scissors|gun|weapon|axe|machete|syringe|needle|acid|bleach|gasoline|petrol|"
        r"lighter|match|matches|fire|flame|explosive|bomb)\b.*\b(at|toward|towards|near|to|person|people|someone|"
        r"him|her|me|face|wave|swing|throw|point)\b|\b(wave|swing|throw|point|jab|thrust)\b.*\b(knife|knives|"
        r"blade|scissors|gun|weapon|axe|machete|syringe|needle)\b|\b(set fire|light .* on fire|ignite|burn)\b",
        "the command moves a hazardous object in a dangerous way"),
    "property_damage": (
        r"\b(smash|break|destroy|shatter|wreck|crush|throw|hurl|fling|drop \w+ (on|onto) the floor)\b",
        "the command would damage objects"),
    "safety_sabotage": (
        r"\b(disable|bypass|turn off|switch off|override|ignore|deactivate|remove|skip)\b.*\b(safety|guard|"
        r"emergency stop|e-stop|estop|limits?|collision|brake|watchdog|monitor)\b",
        "the command tries to disable a safety function"),
    "prompt_injection": (
        r"\b(ignore|forget|disregard)\b.*\b(previous|prior|above|all|your)\b.*\b(instructions?|rules?|"
        r"prompts?|guidelines?)\b|\byou are (now|no longer)\b|\b(pretend|act as if|roleplay|role play|"
        r"jailbreak|developer mode|dan mode)\b|\bsystem prompt\b",
        "the command tries to override the robot's instructions"),
    "workspace": (
        r"\b(leave|exit|outside|beyond)\b.*\b(workspace|work area|table|cell|fence|zone)\b|\b(off the table|"
        r"out of the workspace|full speed|maximum speed|as fast as)\b",
        "the command asks for motion outside the permitted workspace or limits"),
}


def compile_rules(rules: dict | None = None) -> list[PolicyRule]:
    rules = DEFAULT_RULES if rules is None else rules
    return [PolicyRule(cat, re.compile(pattern, re.IGNORECASE), reason) for cat, (pattern, reason) in rules.items()]


@dataclass
class CommandGuard:
    rules: list[PolicyRule] = field(default_factory=compile_rules)
    max_chars: int = MAX_COMMAND_CHARS

    def check(self, text: str) -> Verdict:
        try:
            if not isinstance(text, str) or not text.strip():
                return Verdict(False, "invalid_input", 1.0, "empty command")
            if len(text) > self.max_chars:
                return Verdict(False, "invalid_input", 1.0, f"command longer than {self.max_chars} characters")
            normalized = " ".join(re.sub(r"[^\w\s'-]", " ", text.lower()).split())
            for rule in self.rules:
                if rule.pattern.search(normalized):
                    return Verdict(False, rule.category, 1.0, f"Refused: {rule.reason}.")
            return Verdict(True, ALLOWED, 0.0, "no policy rule matched")
        except Exception as exc:  # fail closed: a broken guard refuses
            return Verdict(False, "guard_error", 1.0, f"guard failed ({exc!r}); refusing")


@dataclass(frozen=True)
class Workspace:
    minimum: tuple[float, float, float] = (0.10, -0.60, -0.02)
    maximum: tuple[float, float, float] = (1.00, 0.60, 0.60)

    def contains(self, point) -> bool:
        point = np.asarray(point, float)
        return bool(np.all(np.isfinite(point)) and np.all(point >= self.minimum) and np.all(point <= self.maximum))


@dataclass
class PlanGuard:
    workspace: Workspace = field(default_factory=Workspace)
    max_speed: float = 0.5
    base_frame: str = "base_link"

    def check(self, plan: Plan) -> Verdict:
        try:
            if plan.frame_id != self.base_frame:
                return Verdict(False, "frame", 1.0, f"plan is in '{plan.frame_id}', the guard checks "
                               f"'{self.base_frame}' only", "plan")
            if not plan.steps:
                return Verdict(False, "invalid_input", 1.0, "plan has no steps", "plan")
            for index, step in enumerate(plan.steps):
                if not self.workspace.contains(step.position):
                    x, y, z = step.position
                    return Verdict(False, "workspace", 1.0, f"step {index + 1} ({step.action}) goes to "
                                   f"({x:.2f}, {y:.2f}, {z:.2f}), outside the workspace", "plan")
                if not 0 < step.max_speed <= self.max_speed:
                    return Verdict(False, "speed", 1.0, f"step {index + 1} speed {step.max_speed:.2f} m/s exceeds "
                                   f"the limit {self.max_speed:.2f} m/s", "plan")
            return Verdict(True, ALLOWED, 0.0, "plan within workspace and speed limits", "plan")
        except Exception as exc:
            return Verdict(False, "guard_error", 1.0, f"plan guard failed ({exc!r}); refusing", "plan")
