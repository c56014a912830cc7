"""Object words added while the robot runs (the grounding node's vocabulary_extra).

`word` names a new kind of object: the parser reads it as its own category and open-vocabulary
backends look for it. `word=known_word` is a synonym: "thermos=can" grounds "the thermos" as the
parser grounds "the can" (a cylinder), with every backend. Synonyms change what the user's words
mean, never what a detector's labels mean, so no entry can turn a detected knife into a "cube"
that the plan guard would let through.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from .command_parser import RELATIONS, SKIPPED_WORDS
from .vocabulary import CATEGORY_OF, CATEGORY_SYNONYMS, COLOR_WORDS, GENERIC_NOUNS, SHADE_WORDS, SIZE_WORDS

WORD = re.compile(r"[a-z][a-z0-9]*(?: [a-z0-9]+)*")
READ_OTHERWISE = {*SKIPPED_WORDS, *COLOR_WORDS, *SHADE_WORDS, *SIZE_WORDS, *GENERIC_NOUNS,
                  *(phrase for phrase, _ in RELATIONS)}


@dataclass(frozen=True)
class ExtraVocabulary:
    added: tuple[tuple[str, str], ...] = ()  # (word, category) beyond the built-in words

    @cached_property
    def categories(self) -> dict[str, str]:
        """Every object word the parser knows -> its category."""
        return {**CATEGORY_OF, **dict(self.added)}

    @property
    def new_words(self) -> tuple[str, ...]:
        """The words that name a new kind of object (their own category)."""
        return tuple(word for word, category in self.added if word == category)


def extra_vocabulary(entries) -> ExtraVocabulary:
    """The vocabulary of `word` / `word=known_word` entries; a bad entry raises ValueError naming it."""
    new_words = {_words(entry) for entry in entries if "=" not in entry}
    added: dict[str, str] = {}
    for entry in entries:
        try:
            word, category = _entry(entry, new_words)
            if added.get(word, category) != category:
                raise ValueError(f"'{word}' is given twice with different meanings")
        except ValueError as exc:
            raise ValueError(f"entry {entry!r}: {exc}") from None
        if word not in CATEGORY_OF:
            added[word] = category
    return ExtraVocabulary(tuple(added.items()))


def vocabulary_problem(entries) -> str:
    """'' when the entries make a vocabulary, else why not (the settings schema's check)."""
    try:
        extra_vocabulary(entries)
    except ValueError as exc:
        return str(exc)
    return ""


def _words(text: str) -> str:
    return " ".join(text.lower().split())


def _entry(entry: str, new_words: set[str]) -> tuple[str, str]:
    """(word, category) of one entry."""
    word, equals, target = (_words(part) for part in entry.partition("="))
    if not word or "=" in target or (equals and not target):
        raise ValueError("write 'word' or 'word=known_word'")
    if not WORD.fullmatch(word):
        raise ValueError(f"'{word}' is not a word: use letters, digits and spaces")
    if word in READ_OTHERWISE:
        raise ValueError(f"the command parser reads '{word}' as a colour, size, position, relation or generic word")
    if not equals:
        category = word
    elif target in CATEGORY_OF or target in new_words:
        category = CATEGORY_OF.get(target, target)
    else:
        raise ValueError(f"'{target}' is not a known object word (known: the categories "
                         f"{', '.join(CATEGORY_SYNONYMS)}, their synonyms, or a word this list adds)")
    if CATEGORY_OF.get(word, category) != category:
        raise ValueError(f"'{word}' is already a built-in word for {CATEGORY_OF[word]}")
    return word, category
