"""Spoken phrasing to a plain command: fillers, openers, hedges, self-corrections, pronoun follow-ups.

"umm can you, like, pick up the green bal please" -> "pick up the green bal please"
"can you get the cube... the yellow one I mean"   -> "can you get the yellow cube"
"ok, so, the red cube, hand it over"              -> "hand the red cube"
Text without any of these comes back unchanged, so written commands parse as before.
"""
from __future__ import annotations

import re

from .vocabulary import ACTION_WORDS, CATEGORY_OF, COLOR_WORDS, SHADE_WORDS, SIZE_WORDS

HESITATIONS = r"u+m+|u+h+|e+r+m*|a+h+|h+m+|m+h*m+|uh+m+"
# clauses made only of these words carry nothing
EMPTY_CLAUSE_WORDS = {"right", "so", "well", "ok", "okay", "yeah", "yes", "like", "please", "thanks", "cheers", "oh",
                      "and", "alright", "hey", "robot", "you", "know", "would", "could", "can", "will", "mate", "then"}
OPENERS = ("right so", "ok so", "okay so", "alright so", "so", "well", "yeah", "oh", "right", "you know", "and",
           "okay", "ok", "alright")
REQUEST_VERBS = {"i would like": "get", "i d like": "get", "id like": "get", "i want": "get", "i need": "get",
                 "would you mind": "", "do you mind": "", "let me have": "get", "i will have": "get",
                 "i ll have": "get"}
REPAIR_MARKERS = r"(?:no wait|no sorry|sorry|i mean|i meant|no actually|actually|or rather|rather|make that|" \
                 r"no no|wait|no)"
PRONOUN_TAIL = re.compile(r"^(?P<verb>[a-z ]+?) (?:it|that|this|that one|this one|them)(?P<tail> up| over| here| to me)?$")
ATTRIBUTE_WORDS = set(COLOR_WORDS) | set(SHADE_WORDS) | set(SIZE_WORDS)


def _clauses(text: str) -> list[str]:
    text = text.lower().replace("’", "'")
    text = re.sub(r"\bi'd\b", "i would", text)
    text = re.sub(r"\bi'll\b", "i will", text)
    text = re.sub(r"\b(\w+)-(?:colou?red|ish)\b", r"\1", text)
    text = re.sub(rf"\b(?:{HESITATIONS})\b", " ", text)
    parts = re.split(r"\s*(?:,|;|!|\?|\.{2,}|…|\s-\s|—|–|\.\s)\s*", text)
    clauses = []
    for part in parts:
        words = " ".join(re.sub(r"[^a-z0-9\s'-]", " ", part).split())
        if words and not set(words.split()) <= EMPTY_CLAUSE_WORDS:
            clauses.append(words)
    return clauses


def _strip_openers(clause: str) -> str:
    changed = True
    while changed:
        changed = False
        for opener in OPENERS:
            if clause.startswith(opener + " "):
                clause, changed = clause[len(opener) + 1:], True
    for phrase, verb in REQUEST_VERBS.items():
        if clause.startswith(phrase + " "):
            clause = (verb + " " + clause[len(phrase) + 1:]).strip()
    return re.sub(r"^(\w+?)(?:ing)\b", _gerund, clause)


def _gerund(match: re.Match) -> str:
    """"passing" -> "pass", "picking" -> "pick", "taking" -> "take" (only when it gives a known verb)."""
    stem = match.group(1)
    for candidate in (stem, stem + "e", stem[:-1] if len(stem) > 2 and stem[-1] == stem[-2] else stem):
        if candidate in ACTION_WORDS:
            return candidate
    return match.group(0)


def _is_object_only(clause: str) -> bool:
    """A verb-less noun phrase: "the yellow one", "the green one the ball"."""
    words = clause.split()
    return bool(words) and words[0] in ("the", "a", "an", "that", "this") and \
        any(w in ATTRIBUTE_WORDS or w in CATEGORY_OF or w.rstrip("s") in CATEGORY_OF or w == "one" for w in words)


def _is_noun(word: str) -> bool:
    return word in CATEGORY_OF or word.rstrip("s") in CATEGORY_OF


def _merge(original: str, repair: str) -> str:
    """The repair's attribute and noun words replace the original's; the rest of the original stays.
    The original's head noun is its last noun ("can you get the ball": "ball", not "can")."""
    repair_words = [w for w in repair.split() if w not in ("the", "a", "an", "that", "this", "one")]
    colours = [w for w in repair_words if w in COLOR_WORDS or w in SHADE_WORDS]
    nouns = [w for w in repair_words if _is_noun(w)]
    words = original.split()
    heads = [i for i, w in enumerate(words) if _is_noun(w) or w in ("one", "thing", "object")]
    head = heads[-1] if heads else len(words)
    if nouns:
        words[head:head + 1] = [nouns[-1]]
    if colours:
        start = head
        while start > 0 and (words[start - 1] in COLOR_WORDS or words[start - 1] in SHADE_WORDS):
            start -= 1
        words[start:head] = colours
    extra = [w for w in repair_words if w not in colours and w not in nouns]
    return " ".join(words + extra)


def tidy_spoken(text: str) -> str:
    """A plain command from spoken phrasing; the text itself when nothing spoken-like is found."""
    if not isinstance(text, str):
        return text
    clauses = [_strip_openers(c) for c in _clauses(text)]
    clauses = [c for c in clauses if c]
    if not clauses:
        return text
    merged: list[str] = []
    pending_repair = False
    for clause in clauses:
        marker = re.match(rf"^{REPAIR_MARKERS}\b\s*(.*)$", clause)
        trailing = re.match(r"^(.*?)\s*\b(?:i mean|i meant)$", clause)
        if marker and merged:
            rest = marker.group(1).strip()
            if not rest:
                pending_repair = True
                continue
            merged[-1] = _merge(merged[-1], rest)
        elif trailing and merged and trailing.group(1):
            merged[-1] = _merge(merged[-1], trailing.group(1))
        elif (pending_repair or _is_object_only(clause)) and merged and not _is_action_after_object(merged):
            merged[-1] = _merge(merged[-1], clause)
        else:
            merged.append(clause)
        pending_repair = False
    return _attach_pronoun_action(merged)


def _is_action_after_object(merged: list[str]) -> bool:
    return len(merged) == 1 and _is_object_only(merged[0])


def _attach_pronoun_action(merged: list[str]) -> str:
    """["the red cube", "hand it over"] -> "hand the red cube"; otherwise the clauses joined."""
    if len(merged) == 2 and _is_object_only(merged[0]):
        pronoun = PRONOUN_TAIL.match(merged[1])
        if pronoun:
            verb = pronoun.group("verb")
            return f"{verb} {merged[0]}" if (pronoun.group("tail") or "").strip() != "up" else \
                f"{verb} up {merged[0]}"
    return " ".join(merged)
