"""Typing slips: a word within a small edit distance of one known word is read as that word.

The distance is optimal string alignment (Damerau-Levenshtein without repeated edits of one
substring): a dropped, added or changed letter and two swapped neighbours ("cbue" -> "cube") each
count as one edit. Words of 5+ letters may carry one edit (two from 9 letters); words of 3-4 letters
only a dropped, added or swapped letter, since one changed letter turns many short English words into
known ones ("like" -> "lime", "good" -> "gold", "wall" -> "ball"). A slip as close to two known words
is left unread.
"""
from __future__ import annotations

from collections.abc import Iterable


def osa_distance(a: str, b: str) -> int:
    """Edits (insert, delete, substitute, swap two neighbours) that turn a into b."""
    previous2, previous = [], list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], previous2[j - 2] + 1)
        previous2, previous = previous, row
    return previous[-1]


def allowed_edits(word: str) -> int:
    return 0 if len(word) < 3 else 1 if len(word) < 9 else 2


def _plausible_slip(word: str, known: str, edits: int) -> bool:
    if edits == 0 or edits > allowed_edits(word):
        return edits == 0
    if len(word) >= 5:
        return True
    return len(word) != len(known) or sorted(word) == sorted(known)  # short words: no changed letter


def closest(word: str, vocabulary: Iterable[str]) -> str | None:
    """The one known word this word is a plausible slip of, else None."""
    if allowed_edits(word) == 0:
        return None
    found = {}
    for known in vocabulary:
        if abs(len(known) - len(word)) <= allowed_edits(word):
            edits = osa_distance(word, known)
            if _plausible_slip(word, known, edits):
                found.setdefault(edits, []).append(known)
    if not found:
        return None
    best = found[min(found)]
    return best[0] if len(best) == 1 else None
