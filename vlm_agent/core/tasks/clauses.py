"""Split a task's text into clauses, one command each: sequences ("..., then ...", "and then"),
conjoined commands ("pick up X and push Y") and shared verbs ("put the red things on the red plate
and the blue things on the blue plate")."""
from __future__ import annotations

import re

from ..language.command_parser import parse_command
from ..language.vocabulary import ACTION_WORDS

SEQUENCE = re.compile(r"\s*(?:,?\s*\band then\b|,?\s*\bthen\b|;|\.\s+|,?\s*\bafter that\b,?|,?\s*\bafterwards\b,?"
                      r"|,?\s*\band finally\b|,?\s*\bfinally\b)\s*", re.IGNORECASE)
LEADING = re.compile(r"^(?:now|first|next|also|and|so|ok|okay|please)\b[\s,]*", re.IGNORECASE)
TASK_VERBS = ("build", "make", "clear", "tidy", "clean", "sort", "stack")


def split_clauses(text: str) -> list[str]:
    """The clauses of a task, in order; every clause starts with its verb."""
    clauses = []
    for part in SEQUENCE.split(text.strip().rstrip(".!")):
        part = _strip_leading(part)
        if part:
            clauses += _split_conjunction(part)
    return [c for c in clauses if c]


def _strip_leading(part: str) -> str:
    previous = None
    part = part.strip(" ,")
    while previous != part:
        previous, part = part, LEADING.sub("", part).strip(" ,")
    return part


def starts_with_verb(text: str) -> bool:
    lowered = text.lower()
    return any(lowered == verb or lowered.startswith(verb + " ") for verb in (*ACTION_WORDS, *TASK_VERBS))


def _split_conjunction(clause: str) -> list[str]:
    """At ", " or " and " where a new command starts, or where a second object-destination pair
    shares the first one's verb."""
    for match in re.finditer(r"\s*(?:,\s*and|,|\band)\s+", clause):
        left, right = clause[:match.start()].strip(), clause[match.end():].strip()
        if not left or not right:
            continue
        if starts_with_verb(right):
            return [left] + _split_conjunction(right)
        verb = _verb(left)
        if verb and ACTION_WORDS[verb.lower()] == "place" and _has_destination(f"{verb} {right}"):
            if _has_destination(left):
                return [left] + _split_conjunction(f"{verb} {right}")
            # "put the red cube and the blue cube on the plate": the destination is shared
            tail = _destination_tail(f"{verb} {right}")
            return [f"{left} {tail}"] + _split_conjunction(f"{verb} {right}")
    return [clause]


def _verb(clause: str) -> str:
    lowered = clause.lower()
    for verb in sorted(ACTION_WORDS, key=len, reverse=True):
        if lowered.startswith(verb + " "):
            return clause[:len(verb)]
    return ""


def _has_destination(clause: str) -> bool:
    try:
        return parse_command(clause).destination is not None
    except ValueError:
        return False


def _destination_tail(clause: str) -> str:
    parsed = parse_command(clause)
    relation = parsed.destination_relation.replace("_", " ")
    relation = {"on": "on", "in": "in", "near": "next to"}.get(parsed.destination_relation, relation)
    return f"{relation} the {parsed.destination.text.removeprefix('the ').strip()}"
