"""Ground a command in a frame: parse, propose objects, resolve the phrases honestly.

The backend supplies objects and attribute scores; this module resolves relations,
negation, ordinals, superlatives and size words, and decides ok / not_found / ambiguous.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np

from ..backends.base import CATEGORY_AFFINITY, OCCLUDED_SHAPE_SCORE, PRIMITIVES, GroundingBackend
from ..language.command_parser import ObjectPhrase, ParsedCommand, parse_command
from ..language.extra_vocabulary import ExtraVocabulary
from ..errors import InputError
from .frame import RGBDFrame
from .people_objects import outside_people
from .objects import (STATUS_AMBIGUOUS, STATUS_ERROR, STATUS_NOT_FOUND, STATUS_OK, GroundingResult, Match,
                      SceneObject)
from .spatial import distance, measure, relation_score, view_position
from ..language.synonyms import SynonymResolver

MIN_SCORE = 0.5          # attribute score an object needs to count as a match
MIN_RELATION = 0.3       # relation score a candidate needs
AMBIGUITY_MARGIN = 0.15  # the best must beat the runner-up by this much
TIE_FRACTION = 0.15      # sizes or heights closer than this fraction are a tie
TIE_DISTANCE_M = 0.02    # positions or distances closer than this are a tie
ACTIONS_WITHOUT_TARGET = ("describe",)


@dataclass(frozen=True)
class Resolution:
    status: str
    matches: tuple[Match, ...]
    message: str = ""


class Grounder:
    def __init__(self, backend: GroundingBackend, synonyms: SynonymResolver | None = None,
                 vocabulary: ExtraVocabulary = ExtraVocabulary()):
        self.backend = backend
        self.synonyms = synonyms
        self.set_vocabulary(vocabulary)

    def set_vocabulary(self, vocabulary: ExtraVocabulary) -> None:
        """Object words added at run time: the parser reads them, the backend looks for the new ones."""
        self.vocabulary = vocabulary
        self.backend.set_object_words(vocabulary.new_words)

    def ground(self, frame: RGBDFrame, text: str, people: tuple = ()) -> GroundingResult:
        """`people`: detected people as SceneObjects (people_objects.py), candidates beside the backend's."""
        timings = {}
        start = time.perf_counter()
        try:
            parsed = parse_command(text, self.vocabulary.categories)
        except InputError as exc:
            return GroundingResult(STATUS_ERROR, str(exc), command_text=str(text)[:200])
        if parsed.action == "unknown":
            return GroundingResult(STATUS_ERROR, f"I did not understand '{text}': start with an action such as "
                                   "pick up, put, push, point at, find, count or describe, or ask a question.",
                                   command_text=text)
        if self.synonyms is not None:
            parsed = self.synonyms.resolve_command(parsed)
        timings["parse"] = _ms(start)
        start = time.perf_counter()
        self.backend.prepare(parsed)
        if parsed.action == "ask":  # a VQA backend answers from the image alone: no object pass needed
            answer = self.backend.answer(frame, parsed.text)
            if answer:
                timings["answer"] = _ms(start)
                return GroundingResult(STATUS_OK, answer, action="ask", command_text=parsed.text, answer=answer,
                                       stage_latency_ms=timings, pose_frame_id=frame.pose_frame_id)
        objects = outside_people(self.backend.propose(frame), people) + list(people)
        timings["propose"] = _ms(start)
        start = time.perf_counter()
        result = self._resolve_command(parsed, objects, frame)
        timings["resolve"] = _ms(start)
        return replace(result, stage_latency_ms=timings, pose_frame_id=frame.pose_frame_id)

    def _resolve_command(self, parsed: ParsedCommand, objects: list[SceneObject], frame: RGBDFrame) -> GroundingResult:
        common = {"action": parsed.action, "command_text": parsed.text}
        everything = tuple(Match(o, 1.0) for o in objects)
        if parsed.action == "describe" and (parsed.target is None or parsed.target.category is None):
            answer = self.backend.describe(frame) or describe(objects)
            return GroundingResult(STATUS_OK, answer, candidates=everything, answer=answer, **common)
        if parsed.action == "ask":
            return self._answer_question(parsed, objects)
        if parsed.action in ("count", "describe"):
            matches = self.matches(parsed.target, objects)
            answer = f"I count {len(matches)} {_plural(parsed.target.head, len(matches))}."
            if parsed.action == "describe":
                answer = describe([m.obj for m in matches])
            return GroundingResult(STATUS_OK, answer, candidates=tuple(matches), answer=answer, **common)
        if parsed.action == "give":
            return self._resolve_give(parsed, objects, common)
        target = self.resolve(parsed.target, objects)
        if target.status != STATUS_OK:
            return GroundingResult(target.status, target.message, candidates=target.matches, **common)
        chosen = target.matches[0]
        refs = self._references(parsed.target, objects)
        common["rationale"] = rationale(parsed.target, chosen, target.matches, refs)
        if parsed.destination is None:
            return GroundingResult(STATUS_OK, f"Found the {chosen.obj.description} (score {chosen.score:.2f}).",
                                   target=chosen, references=refs, candidates=target.matches, **common)
        others = [o for o in objects if o is not chosen.obj]
        destination = self.resolve(parsed.destination, others)
        if destination.status != STATUS_OK:
            return GroundingResult(destination.status, f"Destination: {destination.message}", target=chosen,
                                   candidates=destination.matches, **common)
        return GroundingResult(
            STATUS_OK, f"Found the {chosen.obj.description} and the {destination.matches[0].obj.description}.",
            target=chosen, destination=destination.matches[0], destination_relation=parsed.destination_relation,
            references=refs, candidates=target.matches, **common)

    def _resolve_give(self, parsed: ParsedCommand, objects: list[SceneObject], common: dict) -> GroundingResult:
        """'give/hand X to the person': the recipient is a detected person; X is optional ('hand it to')."""
        people = [o for o in objects if o.label == "person"]
        if parsed.destination is None:
            return GroundingResult(STATUS_NOT_FOUND, "Whom should I hand it to? Say, e.g., 'to the person on the "
                                   "left': I can hand things only to a person I see.", **common)
        recipient = self.resolve(parsed.destination, people)
        if recipient.status != STATUS_OK:
            message = recipient.message if people else "I do not see anyone to hand it to."
            return GroundingResult(recipient.status, message, candidates=recipient.matches, **common)
        person = recipient.matches[0]
        if parsed.target is None:
            return GroundingResult(STATUS_OK, f"Handing what I hold to the {person.obj.description} ({person.obj.id}).",
                                   destination=person, destination_relation="to", candidates=recipient.matches,
                                   **common)
        target = self.resolve(parsed.target, [o for o in objects if o.label != "person"])
        if target.status != STATUS_OK:
            return GroundingResult(target.status, target.message, candidates=target.matches, **common)
        chosen = target.matches[0]
        common["rationale"] = rationale(parsed.target, chosen, target.matches, ())
        return GroundingResult(STATUS_OK, f"Found the {chosen.obj.description} and the {person.obj.description}.",
                               target=chosen, destination=person, destination_relation="to",
                               candidates=target.matches, **common)

    def _answer_question(self, parsed: ParsedCommand, objects: list[SceneObject]) -> GroundingResult:
        """What the core answers from the objects when no VQA backend did."""
        common = {"action": parsed.action, "command_text": parsed.text}
        if parsed.question_kind == "exists":
            matches = self.matches(parsed.target, objects)
            said = parsed.target.as_said
            answer = (f"Yes, I see {len(matches)} {_plural(said, len(matches))}." if matches else f"No, I see no {said}.")
            return GroundingResult(STATUS_OK, answer, candidates=tuple(matches), answer=answer, **common)
        if parsed.question_kind == "color":
            target = self.resolve(parsed.target, objects)
            if target.status != STATUS_OK:
                return GroundingResult(target.status, target.message, candidates=target.matches, **common)
            chosen = target.matches[0].obj
            colour = " ".join(w for w in (chosen.shade, chosen.color) if w) or "of no colour I can name"
            answer = f"The {parsed.target.noun or chosen.label} is {colour}."
            return GroundingResult(STATUS_OK, answer, target=target.matches[0], candidates=target.matches, answer=answer,
                                   **common)
        return GroundingResult(STATUS_ERROR, f"The {self.backend.name} backend cannot answer open questions such as "
                               f"'{parsed.text}'; select a VQA-capable VLM backend (qwen2_5_vl or remote) for visual "
                               "question answering, or ask 'is there ...' / 'what colour is ...'.", **common)

    def _references(self, phrase: ObjectPhrase, objects) -> tuple[Match, ...]:
        if phrase.relation is None:
            return ()
        return tuple(m for ref in phrase.relation.references for m in self.matches(ref, objects)[:1])

    def matches(self, phrase: ObjectPhrase, objects: list[SceneObject]) -> list[Match]:
        """Objects whose attributes (and relation) fit the phrase, best first; no tie-breaking."""
        if not objects:
            return []
        scores = self.backend.score(objects, phrase)
        found = [Match(o, float(s), phrase.text) for o, s in zip(objects, scores) if s >= MIN_SCORE]
        if phrase.relation is not None and found:
            found = self._apply_relation(phrase, found, objects)
        return sorted(found, key=lambda m: -m.score)

    def _apply_relation(self, phrase: ObjectPhrase, found: list[Match], objects) -> list[Match]:
        relation = phrase.relation
        ref_sets = [self.matches(ref, objects) for ref in relation.references]
        if not ref_sets or not all(ref_sets):  # a relation to nothing (e.g. "in front of on ...") holds for none
            return []
        kept = []
        for match in found:
            refs = [[r.obj for r in ref_set if r.obj is not match.obj] for ref_set in ref_sets]
            if not all(refs):
                continue
            if relation.kind in ("closest_to", "farthest_from"):
                score = 1.0  # ranked below, as a superlative over the distance to the reference
            elif relation.kind == "between":
                score = max((relation_score("between", match.obj, (b, c)) for b in refs[0] for c in refs[-1]
                             if b is not c), default=0.0) if len(refs) == 2 else 0.0
            else:
                score = max(relation_score(relation.kind, match.obj, (r,)) for r in refs[0])
            if score >= MIN_RELATION:
                kept.append(match.rescored(match.score * score))
        if relation.kind in ("closest_to", "farthest_from") and kept:
            ref = ref_sets[0][0].obj
            sign = 1 if relation.kind == "closest_to" else -1
            kept = [m for m in kept if m.obj is not ref]
            kept.sort(key=lambda m: sign * distance(m.obj, ref))
            kept = _superlative_pick(kept, [sign * distance(m.obj, ref) for m in kept])
        return kept

    def resolve(self, phrase: ObjectPhrase, objects: list[SceneObject]) -> Resolution:
        """Exactly one object for the phrase, or an honest not_found / ambiguous."""
        if phrase is None:
            return Resolution(STATUS_ERROR, (), "the command names no object")
        found = self.matches(phrase, objects)
        if not found:
            return Resolution(STATUS_NOT_FOUND, (), self._not_found_message(phrase, objects))
        if phrase.ordinal is not None:
            return _ordinal(phrase, found)
        if phrase.superlative is not None:
            name, direction = phrase.superlative
            sign = -1 if direction == "max" else 1
            found = _superlative_pick(found, [sign * measure(m.obj, name) for m in found],
                                      relative=name in ("size", "height"))
        elif phrase.size is not None and len(found) > 1:
            sign = -1 if phrase.size == "large" else 1
            found = _superlative_pick(found, [sign * measure(m.obj, "size") for m in found], relative=True)
        if len(found) > 1 and found[1].score > found[0].score - AMBIGUITY_MARGIN:
            tied = tuple(m for m in found if m.score > found[0].score - AMBIGUITY_MARGIN)
            return Resolution(STATUS_AMBIGUOUS, tuple(found), disambiguation_question(phrase, tied))
        why = _weak_shape_reading(phrase, found[0])
        if why:
            return Resolution(STATUS_AMBIGUOUS, tuple(found), confirmation_question(phrase, found[0], why))
        return Resolution(STATUS_OK, tuple(found))

    def _not_found_message(self, phrase: ObjectPhrase, objects) -> str:
        seen = describe(objects)
        if phrase.category is None and phrase.noun:
            return f"I don't know what a '{phrase.noun}' is. {seen}"
        if phrase.relation is not None and self.matches(_without_relation(phrase), objects):
            for ref in phrase.relation.references:
                if not self.matches(ref, objects):
                    return f"{seen[:-1]}, but no {ref.head}."
            return f"{seen[:-1]}, but no {phrase.head} {phrase.relation.kind.replace('_', ' ')} " \
                   f"{' and '.join(r.head for r in phrase.relation.references)}."
        return f"{seen[:-1]}, but no {phrase.head}." if objects else f"I see no objects, so no {phrase.head}."


def _without_relation(phrase: ObjectPhrase) -> ObjectPhrase:
    return replace(phrase, relation=None)


def _superlative_pick(found: list[Match], keys: list[float], relative: bool = False) -> list[Match]:
    """Order by key (smallest first); demote all but a clear winner, keep ties tied. Keys closer
    than TIE_FRACTION of their size (relative: volumes, heights) or TIE_DISTANCE_M (positions) tie."""
    order = np.argsort(keys, kind="stable")
    ranked = [found[i] for i in order]
    values = [keys[i] for i in order]
    if len(ranked) < 2:
        return ranked
    gap = abs(values[1] - values[0])
    tie = gap < TIE_FRACTION * max(abs(values[0]), abs(values[1])) if relative else gap < TIE_DISTANCE_M
    if tie:
        return ranked
    best = ranked[0]
    return [best] + [m.rescored(min(m.score, best.score) * 0.5) for m in ranked[1:]]


NAMING_FITS = 0.6  # CATEGORY_AFFINITY from which a word names what was read (a cube is a box)
SMALL_SHAPE_M = 0.04  # footprints below this are measured from a few dozen depth points: their shape is a weak reading


def _weak_shape_reading(phrase: ObjectPhrase, best: Match) -> str:
    """Why the best match's shape is a guess ("" when it is not): it is named by a basic shape that is not
    its reading, and either nothing measured supports that shape (only its being partly hidden keeps it
    in) or it is small, where the shape evidence comes from too few points to prefer a second reading.
    Taking it would be a guess, so the grounder asks instead of answering ok (honest uncertainty)."""
    obj = best.obj
    if phrase.category not in PRIMITIVES or obj.label not in PRIMITIVES or obj.label == phrase.category:
        return ""
    measured = max(CATEGORY_AFFINITY.get((obj.label, phrase.category), 0.0),
                   dict(obj.label_scores).get(phrase.category, 0.0))
    if obj.occluded and measured < OCCLUDED_SHAPE_SCORE:
        return "it is partly hidden"
    naming_fits = CATEGORY_AFFINITY.get((obj.label, phrase.category), 0.0) >= NAMING_FITS  # a cube called a box
    if obj.size is not None and max(obj.size[:2]) < SMALL_SHAPE_M and not naming_fits:
        return "it is small (a few dozen depth points)"
    return ""


def confirmation_question(phrase: ObjectPhrase, best: Match, why: str) -> str:
    return (f"I see no {phrase.head} for sure: the {best.obj.description} could be one, but {why}, "
            f"so I cannot tell its shape. Do you mean the {best.obj.description}?")


def _ordinal(phrase: ObjectPhrase, found: list[Match]) -> Resolution:
    direction = phrase.ordinal_direction
    key = {"left": lambda m: -view_position(m.obj)[1], "right": lambda m: view_position(m.obj)[1],
           "front": lambda m: view_position(m.obj)[0], "back": lambda m: -view_position(m.obj)[0]}[direction]
    ordered = sorted(found, key=key)
    index = phrase.ordinal - 1 if phrase.ordinal > 0 else len(ordered) + phrase.ordinal
    if not 0 <= index < len(ordered):
        return Resolution(STATUS_NOT_FOUND, tuple(ordered),
                          f"There are only {len(ordered)} {_plural(phrase.head, len(ordered))}, "
                          f"so there is no number {phrase.ordinal} from the {direction}.")
    chosen = ordered[index]
    return Resolution(STATUS_OK, (chosen,) + tuple(m for m in ordered if m is not chosen))


def rationale(phrase: ObjectPhrase, chosen: Match, matches, refs) -> str:
    """Why this object: the deciding relation, ordinal or superlative, or that it is the only one."""
    peers = [m for m in matches if m.score >= MIN_SCORE * 0.5]
    if phrase.ordinal is not None:
        place = "last" if phrase.ordinal == -1 else f"number {phrase.ordinal}"
        return f"it is {place} from the {phrase.ordinal_direction} among {len(matches)} matching objects"
    if phrase.relation is not None:
        kind = phrase.relation.kind.replace("_", " ")
        named = " and ".join(f"the {r.obj.description}" for r in refs) or "you"
        return f"it is {kind} {named} (score {chosen.score:.2f})"
    if phrase.superlative is not None:
        measure_name, direction = phrase.superlative
        return f"it has the {'largest' if direction == 'max' else 'smallest'} {measure_name.replace('_', ' ')} " \
               f"of {len(matches)} matching objects"
    if phrase.size is not None and len(matches) > 1:
        return f"it is the {'largest' if phrase.size == 'large' else 'smallest'} of {len(matches)} matching objects"
    if len(peers) > 1:
        return f"it matches best (score {chosen.score:.2f}, next {peers[1].score:.2f})"
    return f"it is the only {phrase.head} I see"


def disambiguation_question(phrase: ObjectPhrase, tied: tuple[Match, ...]) -> str:
    positions = np.array([view_position(m.obj) for m in tied])
    spread = positions.max(axis=0) - positions.min(axis=0)
    lateral = spread[1] >= spread[0]
    tied = tuple(sorted(tied, key=lambda m: -view_position(m.obj)[1] if lateral else view_position(m.obj)[0]))
    if lateral:
        words = ["left", "right"] if len(tied) == 2 else ["leftmost", "middle", "rightmost"]
        options = [f"the {w} {phrase.head}" for w in words[:len(tied)]] if len(tied) <= 3 else []
    else:
        words = ["front", "back"] if len(tied) == 2 else ["front", "middle", "back"]
        options = [f"the {phrase.head} at the {w}" for w in words[:len(tied)]] if len(tied) <= 3 else []
    question = " or ".join(options) if options else f"one of the {len(tied)} {_plural(phrase.head, 2)}"
    return f"I see {len(tied)} objects that could be the {phrase.head}. Do you mean {question}?"


def describe(objects) -> str:
    if not objects:
        return "I see no objects."
    names = [_with_article(o.description) for o in objects]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"I see {listed}."


def _with_article(noun: str) -> str:
    return f"{'an' if noun[:1] in 'aeiou' else 'a'} {noun}"


def _plural(noun: str, count: int) -> str:
    if count == 1:
        return noun
    return noun[:-1] + "ies" if noun.endswith("y") else noun + ("es" if noun.endswith(("s", "x", "ch")) else "s")


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 2)
