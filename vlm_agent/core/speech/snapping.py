"""Snap a transcript to the command language: a word the robot does not know ("read", "cute",
"purple" heard as "people") is replaced by the vocabulary word it sounds most like, when the
match is close and unambiguous.

Sounds are compared as phonemes: espeak-ng's IPA (`espeak-ng -q --ipa`, computed once for the
vocabulary and cached per heard word), or a rough spelling-to-sound key when espeak-ng is missing.
The distance is an edit distance over phonemes where similar sounds (two vowels, a voiced and a
voiceless consonant, m/n) cost less than unrelated ones, divided by the longer word's length.

Safety: words are only ever replaced by vocabulary words (colours, sizes, object categories,
actions the parser knows), never by words naming people; the snapped text still goes through
activation and the command guard, and the listener has the guard check the unsnapped text too
(listener.py): a refusal of either one is a refusal."""
from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass, field

from ..language.command_parser import QUESTION_WORDS, RELATIONS, SKIPPED_WORDS
from ..language.vocabulary import (ACTION_WORDS, ARTICLES, CATEGORY_SYNONYMS, COLOR_WORDS, FILLER, GENERIC_NOUNS,
                                   HEIGHT_WORDS, ORDINALS, ROBOT_WORDS, SHADE_WORDS, SIZE_WORDS, SUPERLATIVES)
from ..safety.stop_intent import ALLOWED_AROUND

# never snapped into: a misheard word must not become a person ("kit" -> "kid") or a forceful verb
EXCLUDED_TARGETS = frozenset(CATEGORY_SYNONYMS["person"]) | {"shove", "hand", "give", "pass", "drop", "hand over"}
# words of the command language besides the vocabulary: left as they are, never snap targets
FUNCTION_WORDS = frozenset({
    *ARTICLES, *QUESTION_WORDS, *SKIPPED_WORDS, *ROBOT_WORDS, *GENERIC_NOUNS, *ALLOWED_AROUND,
    *(w for phrase in FILLER for w in phrase.split()), *(w for phrase, _ in RELATIONS for w in phrase.split()),
    "i", "me", "my", "we", "us", "he", "she", "they", "them", "him", "her", "not", "no", "yes", "with", "from",
    "up", "down", "over", "off", "out", "away", "back", "here", "there", "where", "what", "which", "who", "has",
    "have", "had", "be", "been", "am", "were", "was", "want", "need", "like", "would", "should", "must", "than",
    "then", "so", "if", "else", "but", "also", "too", "very", "more", "most", "less", "least", "other", "another",
    "same", "different", "side", "top", "bottom", "middle", "center", "centre", "corner", "edge", "color", "colour",
    "colored", "coloured", "size", "one", "two", "three", "four", "five", "again", "please", "let", "lets",
})


STOPS = frozenset({"stop", "halt", "freeze"})
MAX_STOP_WORDS = 3
ACTIONS = frozenset(p for p in ACTION_WORDS if p.isalpha() or len(p.split()) == 2) | STOPS
MODIFIERS = frozenset(w for group in (COLOR_WORDS, SIZE_WORDS, SHADE_WORDS, SUPERLATIVES, HEIGHT_WORDS, ORDINALS)
                      for w in group if w.isalpha())
NOUNS = frozenset(s for synonyms in CATEGORY_SYNONYMS.values() for s in synonyms if s.isalpha())
# words a command may start with before its action ("robot, could you please ...")
LEADING = frozenset({*(w for phrase in FILLER for w in phrase.split()), *ROBOT_WORDS, "robot", "hey", "could", "can",
                     "would", "will", "you", "please", "i", "want", "to", "and", "then", "now", "ok", "okay"})


# phrases of the command language ("left of", "close to", "how many") a run of as many heard words may be
# snapped to when it shares a word with the phrase ("to the left on the tray" -> "to the left of the tray")
PHRASES = tuple(sorted({p for p, _ in RELATIONS if len(p.split()) > 1} |
                       {p for p in ACTION_WORDS if len(p.split()) > 1 and p not in EXCLUDED_TARGETS}))

SWAPPABLE = frozenset({"on", "of", "and", "in", "to", "at", "for", "from", "an"})  # often heard for one another
PHRASE_GLUE = frozenset({"to", "the", "of", "on", "at", "in", "is", "for", "me", "from", "you", "what", "where", "how"})


def vocabulary_targets() -> tuple[str, ...]:
    """Words (and a few phrases, "pick up") a heard word may be snapped to: the parser's vocabulary
    and the stop words, less EXCLUDED_TARGETS."""
    words: set[str] = set()
    for phrase in list(ACTION_WORDS) + list(COLOR_WORDS) + list(SIZE_WORDS) + list(SHADE_WORDS) + \
            list(SUPERLATIVES) + list(HEIGHT_WORDS) + list(ORDINALS):
        if phrase.isalpha() or " " in phrase and len(phrase.split()) == 2:
            words.add(phrase)
    for synonyms in CATEGORY_SYNONYMS.values():
        words.update(s for s in synonyms if s.isalpha())
    words.update(STOPS)
    return tuple(sorted(w for w in words if w not in EXCLUDED_TARGETS and w not in FUNCTION_WORDS
                        and not any(p in EXCLUDED_TARGETS for p in w.split())))


# ---------------------------------------------------------------- phonemes
VOWELS = set("aeiouyæɐɑɒɔəɘɚɛɜɝɞɤɨɪɵɶʉʊʌʏøœ")
SIMILAR = [set(g) for g in ("pb", "td", "kɡg", "fv", "sz", "ʃʒ", "θð", "mnŋ", "lɹr", "θf", "ðd", "wʍ", "tʃ", "dʒ",
                            "sʃ", "zʒ", "jʒ")]
MARKS = str.maketrans("", "", "ˈˌ\u200dːˑ-")


def _is_vowel(phoneme: str) -> bool:
    return phoneme[:1] in VOWELS


def _cost(a: str, b: str) -> float:
    if a == b:
        return 0.0
    va, vb = _is_vowel(a), _is_vowel(b)
    if va and vb:
        return 0.25 if a[0] == b[0] or a[-1] == b[-1] else 0.45
    if va != vb:
        return 0.8 if {a[-1:], b[-1:]} & {"ɹ", "l", "ɚ"} else 1.0  # r-coloured or syllabic: ɚ ~ ɹ
    return 0.4 if any(a[0] in g and b[0] in g for g in SIMILAR) else 1.0


def _indel(phoneme: str) -> float:
    return 0.5 if _is_vowel(phoneme) else 0.8


def phoneme_distance(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    """Weighted edit distance divided by the longer sequence's length: 0 same sounds, ~1 unrelated."""
    if not a or not b:
        return 1.0
    row = [0.0]
    for p in b:
        row.append(row[-1] + _indel(p))
    for pa in a:
        prev, row = row, [row[0] + _indel(pa)]
        for j, pb in enumerate(b, 1):
            row.append(min(prev[j] + _indel(pa), row[j - 1] + _indel(pb), prev[j - 1] + _cost(pa, pb)))
    return row[-1] / max(len(a), len(b))


# a rough English spelling -> sound key for when espeak-ng is not installed
_SPELLING = [("tch", "tʃ"), ("ch", "tʃ"), ("sh", "ʃ"), ("ph", "f"), ("th", "θ"), ("ck", "k"), ("qu", "kw"),
             ("ng", "ŋ"), ("wh", "w"), ("ee", "i"), ("ea", "i"), ("oo", "u"), ("ou", "aʊ"), ("ow", "oʊ"),
             ("ai", "eɪ"), ("ay", "eɪ"), ("oi", "ɔɪ"), ("oy", "ɔɪ"), ("ue", "u"), ("ew", "u"), ("er", "ɚ"),
             ("ir", "ɚ"), ("ur", "ɚ"), ("c", "k"), ("x", "ks"), ("j", "dʒ"), ("y", "j"), ("g", "ɡ"), ("r", "ɹ")]


def spelling_phonemes(word: str) -> tuple[str, ...]:
    word = re.sub(r"(.)\1", r"\1", word.lower())
    if len(word) > 3 and word.endswith("e") and word[-2] not in "aeiou":
        word = word[:-1]  # silent final e
    out, i = [], 0
    while i < len(word):
        for graph, sound in _SPELLING:
            if word.startswith(graph, i):
                out.append(sound)
                i += len(graph)
                break
        else:
            if word[i].isalpha():
                out.append(word[i])
            i += 1
    return tuple(out)


def _split_ipa(line: str) -> tuple[str, ...]:
    return tuple(p for p in (t.translate(MARKS) for t in re.split(r"[_\s]+", line.strip())) if p)


class Phonetics:
    """word -> phonemes, from espeak-ng when installed (one call for a batch of words)."""

    def __init__(self, use_espeak: bool = True, voice: str = "en-us"):
        self.espeak = shutil.which("espeak-ng") if use_espeak else None
        self.voice = voice
        self.cache: dict[str, tuple[str, ...]] = {}

    def of(self, words) -> dict[str, tuple[str, ...]]:
        missing = [w for w in dict.fromkeys(words) if w not in self.cache]
        if missing:
            self.cache.update(zip(missing, self._ipa(missing)))
        return {w: self.cache[w] for w in words}

    def _ipa(self, words: list[str]) -> list[tuple[str, ...]]:
        if self.espeak:
            try:
                done = subprocess.run([self.espeak, "-q", "--ipa", "--sep=_", "-v", self.voice],
                                      input="\n".join(words) + "\n", capture_output=True, text=True, timeout=10)
                lines = [line for line in done.stdout.splitlines() if line.strip()]
                if done.returncode == 0 and len(lines) == len(words):
                    return [_split_ipa(line) for line in lines]
            except (OSError, subprocess.SubprocessError):
                pass
        return [spelling_phonemes(w) for w in words]


# ---------------------------------------------------------------- snapping
@dataclass(frozen=True)
class SnapConfig:
    enabled: bool = True
    max_distance: float = 0.30    # phoneme distance (0 same sounds .. ~1 unrelated) of a snap at most; 0.25-0.34
    # and min_margin 0.08-0.12 scored the same on the dev voices (en-us, en-gb) of bench/voice_bench.py
    min_margin: float = 0.08      # the next-nearest vocabulary word must be this much farther
    max_probability: float = 1.0  # words Whisper was surer of than this are left alone (1.0: every word)
    min_phonemes: int = 2         # shorter words ("a", "uh") are left alone


@dataclass(frozen=True)
class Snap:
    heard: str
    snapped: str
    distance: float
    probability: float | None = None

    def __str__(self) -> str:
        return f"{self.heard}->{self.snapped}"


@dataclass(frozen=True)
class SnapResult:
    text: str                       # the text with snapped words
    original: str                   # the transcript as heard
    snaps: tuple[Snap, ...] = field(default=())

    @property
    def changed(self) -> bool:
        return bool(self.snaps)


WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")


def _forms(word: str) -> tuple[str, ...]:
    """The word and what it may be the plural of ("cubes", "boxes", "berries")."""
    forms = [word]
    for suffix, replacement in (("ies", "y"), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            forms.append(word[:-len(suffix)] + replacement)
    return tuple(forms)


class VocabularySnapper:
    def __init__(self, config: SnapConfig = SnapConfig(), phonetics: Phonetics | None = None,
                 targets: tuple[str, ...] | None = None):
        self.config = config
        self.phonetics = phonetics or Phonetics()
        self.targets = tuple(targets if targets is not None else vocabulary_targets())
        self.known = frozenset(FUNCTION_WORDS) | {w for t in self.targets for w in t.split()} | \
            {w for phrase in ACTION_WORDS for w in phrase.split()} | set(CATEGORY_SYNONYMS["person"])
        self._sounds = self._unique(self.phonetics.of(list(self.targets)))
        self._phrase_sounds = self.phonetics.of(list(PHRASES))

    @staticmethod
    def _unique(sounds: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        """One target per sound ("gray" and "grey"): a homophone is no ambiguity."""
        seen, out = set(), {}
        for word, phonemes in sounds.items():
            if phonemes and phonemes not in seen:
                seen.add(phonemes)
                out[word] = phonemes
        return out

    def is_known(self, word: str, extra: frozenset[str] = frozenset()) -> bool:
        return any(w in self.known or w in extra for w in _forms(word.lower().replace("'", "")))

    def nearest(self, word: str, extra: frozenset[str] = frozenset()) -> list[tuple[float, str]]:
        """(distance, vocabulary word), nearest first."""
        targets = dict(self._sounds)
        if extra:
            targets.update(self._unique(self.phonetics.of(sorted(w for w in extra if w.isalpha()
                                                                 and w not in EXCLUDED_TARGETS))))
        heard = self.phonetics.of([word.lower()])[word.lower()]
        return sorted((phoneme_distance(heard, sounds), target) for target, sounds in targets.items())

    def snap(self, text: str, probabilities: list[float] | None = None,
             scene_words: frozenset[str] = frozenset()) -> SnapResult:
        """`probabilities`: Whisper's probability of each word of `text` (as WORD finds them), if known;
        `scene_words`: words of the scene's object names (known, and snap targets too)."""
        c = self.config
        if not c.enabled or not text:
            return SnapResult(text, text)
        tokens = list(WORD.finditer(text))
        if probabilities is not None and len(probabilities) != len(tokens):
            probabilities = None
        extra = frozenset(w.lower() for w in scene_words if w.isalpha())
        words = [m.group(0).lower() for m in tokens]
        pieces, snaps, last = [], [], 0
        phrases = self._phrase_snaps(words, [w for w in words if not self.is_known(w, extra)])
        for i, match in enumerate(tokens):
            if i in phrases:
                n, target, distance = phrases[i]
                heard = text[match.start():tokens[i + n - 1].end()]
                snaps.append(Snap(heard, target, round(distance, 3), None))
                pieces.append(text[last:match.start()])
                pieces.append(target.capitalize() if heard[0].isupper() else target)
                last = tokens[i + n - 1].end()
                continue
            if match.start() < last:
                continue
            word = match.group(0)
            probability = probabilities[i] if probabilities is not None else None
            replacement = None
            if "'" not in word and (probability is None or probability <= c.max_probability) and \
                    (not self.is_known(word, extra) or self._misplaced_person(words, i, extra)):
                replacement = self._snap_word(word, extra, self._slot(words, i, extra))
            if replacement is not None:
                target, distance = replacement
                snaps.append(Snap(word, target, round(distance, 3), probability))
                pieces.append(text[last:match.start()])
                pieces.append(target.capitalize() if word[0].isupper() else target)
                last = match.end()
        if not snaps:
            return SnapResult(text, text)
        pieces.append(text[last:])
        return SnapResult("".join(pieces), text, tuple(snaps))

    def _phrase_snaps(self, words: list[str], unknown: list[str]) -> dict[int, tuple[int, str, float]]:
        """Runs of heard words that sound like a phrase of the command language, by first word index:
        (number of words, phrase, distance). Runs overlapping a phrase heard as it is are left alone.
        The sounds of the `unknown` words are looked up in the same espeak-ng call."""
        exact = set()
        for phrase in PHRASES:
            n = len(phrase.split())
            for i in range(len(words) - n + 1):
                if " ".join(words[i:i + n]) == phrase:
                    exact.update(range(i, i + n))
        runs = {}  # (start, length) -> the phrases the run may become, longest runs first
        for n in sorted({len(p.split()) for p in PHRASES}, reverse=True):
            for i in range(len(words) - n + 1):
                if not exact.intersection(range(i, i + n)):
                    fits = [p for p in PHRASES if len(p.split()) == n and self._may_become(words[i:i + n], p.split())]
                    if fits:
                        runs[i, n] = fits
        sounds = self.phonetics.of([" ".join(words[i:i + n]) for i, n in runs] + unknown)  # one espeak-ng call
        found, taken = {}, set()
        for (i, n), fits in runs.items():
            if not taken.intersection(range(i, i + n)):
                heard = sounds[" ".join(words[i:i + n])]
                ranked = sorted((phoneme_distance(heard, self._phrase_sounds[p]), p) for p in fits)
                best, phrase = ranked[0]
                runner_up = ranked[1][0] if len(ranked) > 1 else 1.0
                if best <= self.config.max_distance and runner_up - best >= self.config.min_margin:
                    found[i] = (n, phrase, best)
                    taken.update(range(i, i + n))
        return found

    def _may_become(self, run: list[str], phrase: list[str]) -> bool:
        """A run has a word of the phrase in the same place, and either a content word ("left on" -> "left of")
        or only its unknown words differ ("gloss to" -> "close to"); known words change only between
        prepositions ("left on" -> "left of"; never "which is" -> "where is", "nearest you" -> "nearest to")."""
        same = [h == p for h, p in zip(run, phrase)]  # word by word, in place: "ball in front" is not "in front of"
        if not any(same):
            return False
        swaps = all(s or not self.is_known(h) or h in SWAPPABLE and p in SWAPPABLE
                    for s, h, p in zip(same, run, phrase))
        anchored = any(s and p not in PHRASE_GLUE for s, p in zip(same, phrase))
        return swaps and (anchored or all(s or not self.is_known(h) for s, h in zip(same, run)))

    def _is_noun(self, word: str, extra: frozenset[str]) -> bool:
        return any(w in NOUNS or w in GENERIC_NOUNS or w in extra for w in _forms(word))

    def _misplaced_person(self, words: list[str], i: int, extra: frozenset[str]) -> bool:
        """A person word where a colour or size belongs ("the people cube": purple): snapped as unknown."""
        return words[i] in CATEGORY_SYNONYMS["person"] and i + 1 < len(words) and self._is_noun(words[i + 1], extra)

    def _slot(self, words: list[str], i: int, extra: frozenset[str]) -> frozenset[str] | None:
        """Which vocabulary words fit where the word was heard: a modifier before an object noun, a noun
        after an article or modifier at the end of a phrase, an action where a clause starts; elsewhere
        a modifier or noun."""
        after = words[i + 1] if i + 1 < len(words) else ""
        before = words[i - 1] if i else ""
        if after and self._is_noun(after, extra):
            return MODIFIERS
        if all(w in LEADING for w in words[:i]):  # a stop only from a short utterance ("stub!"), never "hot manic cube"
            return ACTIONS if len(words) <= MAX_STOP_WORDS else ACTIONS - STOPS
        if before in ("and", "then"):  # "... and pit it on the plate"
            return ACTIONS - STOPS
        if before in ARTICLES or before in MODIFIERS:
            if not after or self.is_known(after, extra) and not self._is_noun(after, extra):
                return NOUNS | extra
        return MODIFIERS | NOUNS | extra  # an action or stop only where a clause starts

    def _snap_word(self, word: str, extra: frozenset[str], slot: frozenset[str] | None = None) \
            -> tuple[str, float] | None:
        heard = self.phonetics.of([word.lower()])[word.lower()]
        if len(heard) < self.config.min_phonemes:
            return None
        ranked = self.nearest(word, extra)
        if slot is not None:
            ranked = [(d, t) for d, t in ranked if t in slot]
        if not ranked:
            return None
        best, target = ranked[0]
        runner_up = ranked[1][0] if len(ranked) > 1 else 1.0
        if best <= self.config.max_distance and runner_up - best >= self.config.min_margin:
            return target, best
        return None

