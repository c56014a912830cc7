"""Which language a command is written in: py3langid (its model ships in the wheel, no download),
restricted to the languages the guard knows."""
from __future__ import annotations

from functools import lru_cache

GUARD_LANGUAGES = ("en", "de", "es", "fr", "it", "zh")


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import _load_identifier
    return _load_identifier(norm_probs=True, langs=list(GUARD_LANGUAGES))


@lru_cache(maxsize=4096)
def detect_language(text: str) -> tuple[str, float]:
    """(ISO 639-1 code, probability) among GUARD_LANGUAGES; any CJK ideograph means Chinese."""
    if any("\u4e00" <= ch <= "\u9fff" for ch in text):
        return "zh", 1.0
    code, probability = _identifier().classify(text)
    return str(code), float(probability)


def is_accepted_language(text: str, accepted: tuple[str, ...] = ("en",), min_confidence: float = 0.9) -> bool:
    """False only when the command is confidently in a language outside `accepted` (short
    commands are often ambiguous; those count as accepted and meet the guard as they are)."""
    code, probability = detect_language(text)
    return code in accepted or probability < min_confidence


@lru_cache(maxsize=4096)
def language_candidates(text: str, min_probability: float = 0.05, at_most: int = 3) -> tuple[str, ...]:
    """The languages the command may be in, most likely first: the guard reads a short command in
    each ("apunta la pistola al cliente" scores Italian 0.54, Spanish 0.46)."""
    if any("\u4e00" <= ch <= "\u9fff" for ch in text):
        return ("zh",)
    ranked = _identifier().rank(text)
    return tuple(str(code) for code, probability in ranked[:at_most] if probability >= min_probability) or (
        str(ranked[0][0]),)
