"""Plain-language commands to a structured form: action, target phrase, destination.

Rule-based and total: any string parses (unknown words are kept and reported, never raised).
"""
from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..errors import InputError
from .spoken import tidy_spoken
from .typos import closest as _closest  # typing slips: "blu" -> "blue", "cbue" -> "cube"
from .vocabulary import (ACTION_WORDS, ARTICLES, CATEGORY_OF, COLOR_WORDS, FILLER, GENERIC_NOUNS, HEIGHT_WORDS,
                         ORDINALS, ROBOT_WORDS, SHADE_WORDS, SIZE_WORDS, SUPERLATIVES)

MAX_COMMAND_CHARS = 500
QUESTION_WORDS = {"what", "which", "who", "whose", "why", "how", "is", "are", "does", "do", "can", "could", "was", "will"}

# relation phrase -> relation kind; longest phrases first so "to the left of" wins over "left of"
RELATIONS = sorted({
    "to the left of": "left_of", "on the left of": "left_of", "left of": "left_of",
    "to the right of": "right_of", "on the right of": "right_of", "right of": "right_of",
    "in front of": "in_front_of", "before": "in_front_of", "behind": "behind", "in back of": "behind",
    "next to": "near", "beside": "near", "besides": "near", "near": "near", "close to": "near", "by": "near",
    "nearest to": "closest_to", "closest to": "closest_to", "nearest": "closest_to", "closest": "closest_to",
    "farthest from": "farthest_from", "furthest from": "farthest_from", "farthest": "farthest_from",
    "furthest": "farthest_from", "between": "between",
    "on top of": "on", "onto": "on", "on": "on", "into": "in", "inside": "in", "in": "in",
    "under": "under", "underneath": "under", "beneath": "under", "below": "under",
}.items(), key=lambda item: -len(item[0]))
# words a phrase's attribute reader passes over (positions are read apart, as superlatives)
SKIPPED_WORDS = {*ARTICLES, *ORDINALS, *SUPERLATIVES, *HEIGHT_WORDS, "left", "right", "front", "back", "middle", "one",
                 "ones", "and", "or", "of", "to", "all", "each", "every", "many", "much", "there", "are", "is",
                 "object", "objects"}
DESTINATION_RELATIONS = {"left_of", "right_of", "in_front_of", "behind", "near", "on", "in"}
ORDINAL_DIRECTIONS = {"left": "left", "right": "right", "front": "front", "back": "back", "robot": "front",
                      "me": "front", "you": "front", "camera": "front", "top": "back", "bottom": "front"}


@dataclass(frozen=True)
class Relation:
    kind: str                                  # left_of, near, between, closest_to, on, in, ...
    references: tuple["ObjectPhrase", ...] = ()  # empty for relations to the robot


@dataclass(frozen=True)
class ObjectPhrase:
    text: str
    category: str | None = None      # canonical category, None for "object"/"one"
    noun: str = ""                   # the noun as written (kept when unknown)
    color: str | None = None
    shade: str | None = None
    size: str | None = None          # small / large
    superlative: tuple[str, str] | None = None  # (measure, min|max)
    ordinal: int | None = None
    ordinal_direction: str = "left"
    excluded_colors: tuple[str, ...] = ()
    excluded_categories: tuple[str, ...] = ()
    relation: Relation | None = None
    plural: bool = False
    unknown_words: tuple[str, ...] = ()

    @property
    def head(self) -> str:
        """Short description in canonical words ("red cube")."""
        words = [self.shade, self.color, self.size, self.category or self.noun or "object"]
        return " ".join(w for w in words if w)

    @property
    def as_said(self) -> str:
        """Short description in the user's own noun ("yellow ball"), for answers to questions."""
        words = [self.shade, self.color, self.size, self.noun or self.category or "object"]
        return " ".join(w for w in words if w)


@dataclass(frozen=True)
class ParsedCommand:
    text: str
    action: str
    target: ObjectPhrase | None
    destination: ObjectPhrase | None = None
    destination_relation: str = ""
    notes: tuple[str, ...] = field(default=())
    question_kind: str = ""          # action "ask": exists, color or open


def normalize(text: str) -> str:
    text = text.lower().replace("’", "'")
    text = re.sub(r"\b(\w+)'s\b", r"\1 is", text)
    text = re.sub(r"[^a-z0-9\s-]", " ", text).replace("-", " ")
    text = re.sub(r"^(hey |ok |okay )?robot ", "", " ".join(text.split()) + " ")
    text = f" {text} "
    for filler in FILLER:
        text = text.replace(f" {filler} ", " ")
    return " ".join(text.split())


def parse_command(text: str, categories: Mapping[str, str] = CATEGORY_OF) -> ParsedCommand:
    """`categories`: every object word the parser knows -> its category (the built-in ones, or those
    plus the words added at run time, extra_vocabulary.py)."""
    if not isinstance(text, str) or not text.strip():
        raise InputError("empty command")
    if len(text) > MAX_COMMAND_CHARS:
        raise InputError(f"command too long ({len(text)} characters, max {MAX_COMMAND_CHARS})")
    words = normalize(tidy_spoken(text))
    action, rest = _split_action(words)
    if action is None and (text.rstrip().endswith("?") or words.split(" ")[0] in QUESTION_WORDS):
        return _parse_question(text, words, categories)
    if action is None:
        return ParsedCommand(text, "unknown", None, notes=(f"no known action in '{text}'",))
    # "pick up the red cube and put it in the bowl": the second step supplies the destination
    second = re.search(r"\b(?:and\s+)?(?:put|place|set|drop|move|bring|stack)\s+(?:it|them)\b", rest)
    if second:
        rest = f"{rest[:second.start()]} {rest[second.end():]}"
        action = "place"
    if action == "give":  # "give the red cube to the person", "hand it to the woman on the left"
        target_text, to, recipient = f" {rest} ".rpartition(" to ")
        if not to:  # "give me the red cube": no recipient named, so the robot picks it up and holds it out
            return ParsedCommand(text, "pick", _parse_phrase(rest, categories) if rest else None,
                                 notes=("no recipient named: picking only",))
        target_text = target_text.strip()
        target = None if target_text in ("", "it", "this", "that", "them") else _parse_phrase(target_text, categories)
        return ParsedCommand(text, action, target, _parse_phrase(recipient.strip(), categories), "to")
    if action in ("describe",):
        return ParsedCommand(text, action, _parse_phrase(rest, categories) if rest else None)
    if action == "place":
        target_text, relation, destination_text = _split_destination(rest)
        if relation:
            return ParsedCommand(text, action, _parse_phrase(target_text, categories),
                                 _parse_phrase(destination_text, categories), relation)
        return ParsedCommand(text, "pick", _parse_phrase(rest, categories),
                             notes=("no destination given: picking only",))
    return ParsedCommand(text, action, _parse_phrase(rest, categories))


def _parse_question(text: str, words: str, categories: Mapping[str, str]) -> ParsedCommand:
    """A question about the scene: existence and colour questions name an object phrase the core can
    answer from the objects it sees; anything else is an open question for a VLM backend."""
    exists = re.match(r"^(?:is|are) there (.+)$", words)
    if exists:
        return ParsedCommand(text, "ask", _parse_phrase(exists.group(1), categories), question_kind="exists")
    color = re.match(r"^(?:what|which) colou?rs? (?:is|are|does|do) (.+?)(?: have)?$", words)
    if color:
        return ParsedCommand(text, "ask", _parse_phrase(color.group(1), categories), question_kind="color")
    return ParsedCommand(text, "ask", None, question_kind="open")


def _split_action(words: str) -> tuple[str | None, str]:
    for phrase in sorted(ACTION_WORDS, key=len, reverse=True):
        if words == phrase or words.startswith(phrase + " "):
            return ACTION_WORDS[phrase], _strip_particles(words[len(phrase):])
    first, _, rest = words.partition(" ")
    close = difflib.get_close_matches(first, [a for a in ACTION_WORDS if " " not in a], n=1, cutoff=0.75)
    if close:
        return ACTION_WORDS[close[0]], _strip_particles(rest)
    return None, words


def _strip_particles(rest: str) -> str:
    rest = f" {rest.strip()} "
    for particle in (" up ", " me ", " over ", " of ", " are there ", " are ", " is ", " do you see "):
        if rest.startswith(particle):
            rest = " " + rest[len(particle):]
    rest = re.sub(r"\b(are there|do you see|can you see|is there|there are|there is|on the table)\s*$", "", rest.strip())
    return rest.strip()


def _split_destination(rest: str) -> tuple[str, str, str]:
    """Split "X <relation> Y" at the last destination relation: the destination comes last."""
    matches = [(m.start(), m.end(), kind) for phrase, kind in RELATIONS if kind in DESTINATION_RELATIONS
               for m in re.finditer(rf"(?:^|\s)(?:back\s+)?{phrase}(?=\s|$)", rest)]
    outermost = [m for m in matches if not any(o[0] <= m[0] and m[1] <= o[1] and o != m for o in matches)]
    best = max(outermost, default=None)
    if best is None:
        return rest, "", ""
    return rest[:best[0]].strip(), best[2], rest[best[1]:].strip()


def _parse_phrase(text: str, categories: Mapping[str, str]) -> ObjectPhrase:
    # "the box the cube is on" -> "the box under the cube"
    text = re.sub(r"^(.+?)\s+((?:the|a|an) .+?) (?:is|are|sits|sit|rests|is sitting|is resting) on(?: top)?$",
                  r"\1 under \2", text)
    text = re.sub(r"\b(that|which|who)\s+(is|are)\b", " ", text)
    text = re.sub(r"\b(that|which)\b", " ", text)
    text = " ".join(text.split())
    head, relation = _split_relation(text, categories)
    excluded_colors, excluded_categories = [], []
    negation = re.search(r"\b(except|but not|other than|not|but)\b(.*)$", head)
    if negation:
        excluded = _attribute_words(negation.group(2).split(), categories)
        excluded_colors += [c for c in [excluded["color"]] if c]
        excluded_categories += [c for c in [excluded["category"]] if c]
        head = head[:negation.start()]
    words = head.split()
    ordinal, direction = None, "left"
    from_match = re.search(r"\bfrom (?:the )?(left|right|front|back|robot|me|you|camera|top|bottom)\b", head)
    if from_match:
        direction = ORDINAL_DIRECTIONS[from_match.group(1)]
        words = (head[:from_match.start()] + head[from_match.end():]).split()
    superlative = None
    for word in words:
        if word in ORDINALS:
            ordinal = ORDINALS[word]
        elif word in SUPERLATIVES:
            superlative = SUPERLATIVES[word]
        elif word in HEIGHT_WORDS and superlative is None:
            superlative = HEIGHT_WORDS[word]
    attrs = _attribute_words(words, categories)
    # "the left cube", "the one on the left" -> leftmost
    if superlative is None and ordinal is None:
        for word, measure in (("left", ("left", "max")), ("right", ("left", "min")),
                              ("front", ("forward", "min")), ("back", ("forward", "max"))):
            if word in words:
                superlative = measure
    if relation is not None and relation.kind in ("closest_to", "farthest_from") and not relation.references:
        superlative = ("robot_distance", "min" if relation.kind == "closest_to" else "max")
        relation = None
    return ObjectPhrase(
        text=text, category=attrs["category"], noun=attrs["noun"], color=attrs["color"], shade=attrs["shade"],
        size=attrs["size"], superlative=superlative, ordinal=ordinal, ordinal_direction=direction,
        excluded_colors=tuple(excluded_colors), excluded_categories=tuple(excluded_categories),
        relation=relation, plural=attrs["plural"], unknown_words=attrs["unknown"])


def _split_relation(text: str, categories: Mapping[str, str]) -> tuple[str, Relation | None]:
    first = None
    for phrase, kind in RELATIONS:
        match = re.search(rf"(?:^|\s){phrase}(?:\s|$)", text)
        if match and (first is None or match.start() < first[0] or
                      (match.start() == first[0] and match.end() > first[1])):
            first = (match.start(), match.end(), kind)
    if first is None:
        return text, None
    head, kind, tail = text[:first[0]].strip(), first[2], text[first[1]:].strip()
    if kind in ("in", "on") and re.match(r"^(the )?(left|right|front|back|middle|center|centre)\b", tail):
        return f"{head} {tail}", None  # "the one on the left" is a position, not a reference
    if not head:  # "closest ball" -> superlative on the robot distance, relation text is the head
        return tail, Relation(kind)
    tail_words = [w for w in tail.split() if w not in ARTICLES]
    if kind in ("closest_to", "farthest_from") and (not tail_words or tail_words[0] in ROBOT_WORDS | {"me", "us"}):
        return head, Relation(kind)
    if kind == "between":
        parts = re.split(r"\s+and\s+", tail, maxsplit=1)
        return head, Relation(kind, tuple(_parse_phrase(part, categories) for part in parts))
    return head, Relation(kind, (_parse_phrase(tail, categories),))


def _attribute_words(words: list[str], categories: Mapping[str, str]) -> dict:
    out = {"category": None, "noun": "", "color": None, "shade": None, "size": None, "plural": False, "unknown": []}
    fuzzy_color, fuzzy_category = None, None
    joined = " ".join(words)
    for synonym in sorted(categories, key=len, reverse=True):
        if " " in synonym and re.search(rf"\b{synonym}s?\b", joined):
            out["category"], out["noun"] = categories[synonym], synonym
            joined = joined.replace(synonym, " ")
    for word in joined.split():
        singular = _singular(word)
        if word in SKIPPED_WORDS:
            if word in ("objects", "ones", "all", "many"):
                out["plural"] = True
            continue
        if word in COLOR_WORDS:
            value = COLOR_WORDS[word]
            out["color"], shade = (value, None) if isinstance(value, str) else value
            out["shade"] = out["shade"] or shade
        elif word in SHADE_WORDS:
            out["shade"] = SHADE_WORDS[word] or None
        elif word in SIZE_WORDS:
            out["size"] = SIZE_WORDS[word]
        elif word in categories or singular in categories:
            noun = word if word in categories else singular
            out["category"], out["noun"] = categories[noun], noun
            out["plural"] = out["plural"] or noun != word
        elif singular in GENERIC_NOUNS or word in GENERIC_NOUNS:
            out["plural"] = out["plural"] or word.endswith("s")
        elif _closest(word, COLOR_WORDS):
            value = COLOR_WORDS[_closest(word, COLOR_WORDS)]
            fuzzy_color = fuzzy_color or (value if isinstance(value, str) else value[0])
        elif _closest(singular, categories):
            fuzzy_category = _closest(singular, categories)  # the last one: the head noun comes last
        else:
            out["unknown"].append(word)
    # a typo is corrected only where no exact word fills the slot ("the cube one i mean": "mean" is no "man")
    out["color"] = out["color"] or fuzzy_color
    if out["category"] is None and fuzzy_category:
        out["category"], out["noun"] = categories[fuzzy_category], fuzzy_category
    if out["category"] is None and out["unknown"]:
        out["noun"] = _singular(out["unknown"][-1])
    out["unknown"] = tuple(out["unknown"])
    return out


def _singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "xes", "sses")):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word
