"""A task's text, and the objects seen once at its start, into concrete steps: quantifiers (all,
every, each, both, the two, everything), stacking, towers, sorting, clearing, relational
placement, and references to earlier commands ("it", "the other one")."""
from __future__ import annotations

import re
from dataclasses import replace

import numpy as np

from ..errors import InputError
from ..language.command_parser import ObjectPhrase, ParsedCommand, parse_command
from ..perception.grounding import Grounder
from ..perception.objects import STATUS_OK, SceneObject
from ..perception.spatial import measure
from .clauses import split_clauses
from .placement import rests_on
from .context import TaskContext
from .steps import AMBIGUOUS, ERROR, NOT_FOUND, SUCCEEDED, Decomposition, ObjectRef, TaskStep

MOTION = ("pick", "place", "push", "point_at")
PRONOUN = re.compile(r"^(?:\w+(?: up| at)?) (?:it|them|that one|this one|that|this)\b(?!\s+(?:one|cube|ball|object))",
                     re.IGNORECASE)
OTHER = re.compile(r"\bthe other(?: one)?\b", re.IGNORECASE)
QUANTIFIER = re.compile(r"\b(all|every|each|both|everything|the (two|three|four|five))\b", re.IGNORECASE)
COUNT_WORDS = {"both": 2, "two": 2, "three": 3, "four": 4, "five": 5}
TOWER = re.compile(r"^(?:build|make) (?:a |an )?(?:tower|stack|pile) (?:of|with|from|out of) (?P<what>.+?)"
                   r"(?:,?\s*(?:with )?(?:the )?(?P<order>largest|biggest|smallest|big|small)(?: ones?)? "
                   r"(?:at|on) the (?P<end>bottom|top))?$", re.IGNORECASE)
STACK_ALL = re.compile(r"^stack (?P<what>(?:all |the |every |each |both )+.+?)(?:,?\s*(?:with )?(?:the )?"
                       r"(?P<order>largest|biggest|smallest)(?: ones?)? (?:at|on) the (?P<end>bottom|top))?$",
                       re.IGNORECASE)
CLEAR = re.compile(r"^(?:clear|tidy|clean)(?: up)? (?:the |everything on the |off the )?(?:table|workspace|desk)"
                   r"(?: off)?(?:\s+(?:onto|into|on|in|to) (?P<dest>.+))?$", re.IGNORECASE)
EVERYTHING = re.compile(r"^(?:put|place|move) (?:everything|all the objects|all objects|all the things|all things)"
                        r" (?:onto|into|on|in|on top of) (?P<dest>.+)$", re.IGNORECASE)
SAME_PLACE_M = 0.04


class DecompositionError(Exception):
    def __init__(self, status: str, message: str):
        super().__init__(message)
        self.status = status


def decompose(text: str, objects: list[SceneObject], grounder: Grounder, context: TaskContext) -> Decomposition:
    """Concrete steps for the whole text, or an honest not_found / ambiguous / error."""
    try:
        clauses = split_clauses(text)
        if not clauses:
            raise DecompositionError(ERROR, "the command is empty")
        planner = _Decomposer(objects, grounder, context)
        steps = [step for clause in clauses for step in planner.clause(clause)]
    except DecompositionError as exc:
        return Decomposition(exc.status, (), str(exc))
    except InputError as exc:
        return Decomposition(ERROR, (), str(exc))
    if not steps:
        return Decomposition(SUCCEEDED, (), "There is nothing to do: every object is already where you asked.")
    return Decomposition(SUCCEEDED, tuple(steps))


def phrase_of(words: str) -> ObjectPhrase:
    """The parser's object phrase for a few words ("red cube")."""
    return parse_command(f"pick up the {words}").target


def object_words(obj: SceneObject, phrase: ObjectPhrase | None = None) -> str:
    noun = (phrase.category if phrase is not None and phrase.category else None) or obj.label
    return " ".join(w for w in (obj.color, noun) if w)


def ref_for(obj: SceneObject, phrase: ObjectPhrase | None = None) -> ObjectRef:
    return ObjectRef(phrase_of(object_words(obj, phrase)), tuple(float(v) for v in obj.center_base), obj)


class _Decomposer:
    def __init__(self, objects, grounder: Grounder, context: TaskContext):
        self.objects, self.grounder, self.context = list(objects), grounder, context
        self.last = context.last    # "it" within the task follows the steps as they are planned

    def clause(self, clause: str) -> list[TaskStep]:
        for pattern, handler in ((TOWER, self._tower), (STACK_ALL, self._tower), (CLEAR, self._clear),
                                 (EVERYTHING, self._clear)):
            match = pattern.match(clause)
            if match and (pattern is not STACK_ALL or _plural_without_destination(match.group("what"))):
                return handler(clause, match)
        parsed = parse_command(clause)
        if parsed.action == "unknown":
            raise DecompositionError(ERROR, f"I did not understand '{clause}': start each part with an action "
                                     "such as pick up, put, stack, push or point at.")
        if parsed.action not in MOTION:
            return [TaskStep(clause, parsed.action, ObjectRef(parsed.target) if parsed.target else None,
                             kind="question")]
        kind = "stack" if clause.lower().startswith("stack") else "single"
        destination = self._destination(parsed) if parsed.action == "place" else None
        if PRONOUN.match(clause) or OTHER.search(clause):
            return [self._step(clause, parsed, self._context_target(clause, parsed), destination, "context")]
        quantifier = QUANTIFIER.search(clause.split(" on ")[0] if parsed.destination else clause)
        if quantifier or (parsed.target is not None and parsed.target.plural and parsed.action == "place"):
            return self._quantified(clause, parsed, destination, quantifier)
        return [self._step(clause, parsed, ObjectRef(parsed.target), destination, kind)]

    def _step(self, clause: str, parsed: ParsedCommand, target: ObjectRef, destination: ObjectRef | None,
              kind: str) -> TaskStep:
        self.last = target
        relation = parsed.destination_relation if destination is not None else ""
        return TaskStep(clause, parsed.action, target, destination, relation, kind)

    def _destination(self, parsed: ParsedCommand) -> ObjectRef | None:
        if parsed.destination is None:
            return None
        if PRONOUN.match(f"put {parsed.destination.text}") and self.last is not None:
            return self.last
        return ObjectRef(parsed.destination)

    def _context_target(self, clause: str, parsed: ParsedCommand) -> ObjectRef:
        last = self.last or self.context.held
        if last is None:
            raise DecompositionError(ERROR, f"'{clause}': I do not know which object you mean; name it "
                                     "(for example 'the red cube').")
        if not OTHER.search(clause):
            return last
        named = parse_command(re.sub(r"\bother\s+", "", clause, flags=re.IGNORECASE)).target
        phrase = named if named is not None and (named.category or named.color) else last.phrase
        others = [o for o in self._matches(phrase) if last.anchor is None or
                  _xy_distance(o.center_base, last.anchor) > SAME_PLACE_M]
        if len(others) != 1:
            status = NOT_FOUND if not others else AMBIGUOUS
            raise DecompositionError(status, f"'{clause}': I see {len(others)} other {phrase.head}"
                                     f"{'s' if len(others) != 1 else ''}, so I cannot tell which one you mean.")
        return ref_for(others[0], phrase)

    def _quantified(self, clause, parsed, destination, quantifier) -> list[TaskStep]:
        if parsed.action != "place":
            raise DecompositionError(ERROR, f"'{clause}': I hold one object at a time, so I can only "
                                     f"{parsed.action.replace('_', ' ')} several objects by putting each somewhere;"
                                     " say where (for example 'put all the red cubes on the plate').")
        dest_obj = self._resolve(destination.phrase, "destination")
        targets = [o for o in self._matches(parsed.target) if o is not dest_obj and not rests_on(o, dest_obj)]
        wanted = _count_word(quantifier)
        if not targets:
            already = [o for o in self._matches(parsed.target) if rests_on(o, dest_obj)]
            if already:
                return []
            raise DecompositionError(NOT_FOUND, f"'{clause}': {self.grounder._not_found_message(parsed.target, self.objects)}")
        if wanted is not None and len(targets) != wanted:
            raise DecompositionError(AMBIGUOUS, f"'{clause}': you said {quantifier.group(0)}, but I see "
                                     f"{len(targets)} {parsed.target.head}{'s' if len(targets) != 1 else ''}. "
                                     "Which do you mean?")
        dest_ref = ref_for(dest_obj, destination.phrase)
        relation = parsed.destination_relation
        steps = [TaskStep(f"put the {object_words(o, parsed.target)} {relation.replace('_', ' ')} the "
                          f"{dest_ref.words}", "place", ref_for(o, parsed.target), dest_ref, relation, "quantified")
                 for o in sorted(targets, key=lambda o: _xy_distance(o.center_base, dest_obj.center_base))]
        self.last = steps[-1].target
        return steps

    def _tower(self, clause: str, match) -> list[TaskStep]:
        what = phrase_of(re.sub(r"^(all|every|each|both)\s+(of\s+)?", "", match.group("what").strip()))
        blocks = [o for o in self._matches(what) if o.label != "plate"]
        if len(blocks) < 2:
            raise DecompositionError(NOT_FOUND, f"'{clause}': a tower needs at least two {what.head}s; I see "
                                     f"{len(blocks)}.")
        order = (match.group("order") or "largest").lower()
        largest_first = (order in ("largest", "biggest", "big")) == ((match.group("end") or "bottom") == "bottom")
        blocks.sort(key=lambda o: measure(o, "size"), reverse=largest_first)
        steps, below = [], ref_for(blocks[0], what)
        for obj in blocks[1:]:
            above = ref_for(obj, what)
            steps.append(TaskStep(f"stack the {above.words} on the {below.words}", "place", above, below, "on",
                                  "tower"))
            below = _stacked(above, below)
        self.last = steps[-1].target
        return steps

    def _clear(self, clause: str, match) -> list[TaskStep]:
        if not match.group("dest"):
            raise DecompositionError(ERROR, f"'{clause}': where should everything go? Say for example "
                                     "'clear the table onto the tray'.")
        dest_phrase = phrase_of(re.sub(r"^(the|a|an)\s+", "", match.group("dest").strip()))
        dest_obj = self._resolve(dest_phrase, "destination")
        dest_ref = ref_for(dest_obj, dest_phrase)
        targets = [o for o in self.objects if o is not dest_obj and o.label != "plate" and not rests_on(o, dest_obj)]
        targets.sort(key=lambda o: _xy_distance(o.center_base, dest_obj.center_base))
        return [TaskStep(f"put the {object_words(o)} on the {dest_ref.words}", "place", ref_for(o), dest_ref, "on",
                         "clear") for o in targets]

    def _matches(self, phrase: ObjectPhrase) -> list[SceneObject]:
        return [m.obj for m in self.grounder.matches(phrase, self.objects) if m.obj.center_base is not None]

    def _resolve(self, phrase: ObjectPhrase, role: str) -> SceneObject:
        resolution = self.grounder.resolve(phrase, self.objects)
        if resolution.status != STATUS_OK:
            raise DecompositionError(resolution.status, f"{role.capitalize()}: {resolution.message}")
        return resolution.matches[0].obj


def _stacked(above: ObjectRef, below: ObjectRef) -> ObjectRef:
    """Where `above` will be once stacked on `below`: the next block's support."""
    base, block = below.seen, above.seen
    top = float(base.center_base[2] + 0.5 * base.size[2])
    center = np.array([base.center_base[0], base.center_base[1], top + 0.5 * float(block.size[2])])
    return ObjectRef(above.phrase, tuple(float(v) for v in center), replace(block, center_base=center))


def _plural_without_destination(what: str) -> bool:
    return " on " not in f" {what} " and phrase_of(re.sub(r"^(all|every|each|both)\s+(of\s+)?", "", what)).plural


def _count_word(quantifier) -> int | None:
    if quantifier is None:
        return None
    return COUNT_WORDS.get(quantifier.group(1).lower()) or COUNT_WORDS.get((quantifier.group(2) or "").lower())


def _xy_distance(a, b) -> float:
    return float(np.linalg.norm(np.asarray(a, float)[:2] - np.asarray(b, float)[:2]))
