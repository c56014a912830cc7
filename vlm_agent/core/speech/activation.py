"""What the robot acts on: confidence gating, stop words, and the activation mode
(always-on, wake phrase "robot, ...", push-to-talk)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..errors import InputError
from ..safety.stop_intent import is_stop_command
from .recognizer import Transcript

MODES = ("always_on", "wake_phrase", "push_to_talk")
SORRY = "Sorry, I did not catch that."

COMMAND, STOP, REJECTED, IGNORED = "command", "stop", "rejected", "ignored"
# Whisper's stock outputs for noise and music (it was trained on subtitles)
NON_SPEECH = re.compile(r"^\W*(thank you|thanks for watching|you|bye|music|applause|silence|\[.*\]|\(.*\)|♪.*)?\W*$",
                        re.IGNORECASE)


@dataclass(frozen=True)
class ActivationConfig:
    mode: str = "always_on"
    wake_phrase: str = "robot"
    min_confidence: float = 0.65  # bench/voice_bench.py sweep: fewer misheard commands sent, few more "Sorry"
    max_no_speech_prob: float = 0.6
    require_action: bool = True   # a transcript the command parser finds no action or question in is refused
    known_nouns_only: bool = True  # an object noun outside the vocabulary and the scene is a likely mishearing

    def __post_init__(self):
        if self.mode not in MODES:
            raise InputError(f"activation mode '{self.mode}' is not one of {', '.join(MODES)}")
        if not 0.0 <= self.min_confidence <= 1.0:
            raise InputError(f"min_confidence {self.min_confidence} is not within 0..1")


@dataclass(frozen=True)
class Decision:
    kind: str        # command, stop, rejected (say sorry), ignored (not addressed to the robot)
    text: str        # the command text to send (wake phrase removed)
    reason: str = ""
    heard: str = ""  # the transcript before snapping to the vocabulary (snapping.py); "" = not snapped
    snaps: tuple[str, ...] = ()  # "heard->snapped" for each word snapped


def _strip_wake(text: str, wake: str) -> str | None:
    words = re.findall(r"[\w']+", text.lower())
    wake_words = re.findall(r"[\w']+", wake.lower())
    for skip in (0, 1):  # "robot, ..." or "hey robot, ..."
        if words[skip:skip + len(wake_words)] == wake_words:
            rest = words[skip + len(wake_words):]
            return " ".join(rest)
    return None


def _no_action(text: str) -> bool:
    """Neither an action or question the parser knows nor an imperative (a first word WordNet
    knows as a verb's base form: "throw the knife ..." still reaches the guard, which refuses it)."""
    from ..language.command_parser import normalize, parse_command
    try:
        if parse_command(text).action != "unknown":
            return False
    except InputError:
        return True
    words = normalize(text).split()
    verbs = _verbs()
    return not (words and verbs is not None and words[0] in verbs)


@lru_cache(maxsize=1)
def _verbs():
    from ..language.wordnet import WordNet
    try:
        return frozenset(WordNet().verb_senses)
    except InputError:  # no WordNet: only the parser's actions count
        return None


def _unknown_noun(text: str, scene_words) -> str:
    from ..language.command_parser import parse_command
    parsed = parse_command(text)
    for phrase in (parsed.target, parsed.destination):
        if phrase is not None and phrase.noun and not phrase.category and phrase.noun not in scene_words:
            return phrase.noun
    return ""


def decide(transcript: Transcript, config: ActivationConfig, talking: bool = True,
           scene_words: frozenset[str] = frozenset()) -> Decision:
    """`talking`: push-to-talk held (always True in the other modes). A stop is obeyed in every
    mode and whether or not the button is held: stopping is always safe. `scene_words`: nouns of
    the objects the robot currently sees."""
    text = transcript.text.strip()
    if not text or NON_SPEECH.match(text):
        return Decision(REJECTED, "", f"no speech recognised ({text!r})")
    if transcript.no_speech_prob > config.max_no_speech_prob:
        return Decision(REJECTED, "", f"probably not speech (no-speech probability {transcript.no_speech_prob:.2f})")
    if transcript.confidence < config.min_confidence:
        return Decision(REJECTED, "", f"low confidence {transcript.confidence:.2f} < {config.min_confidence:.2f} "
                                      f"for {text!r}")
    if is_stop_command(text):
        return Decision(STOP, "stop", f"stop word in {text!r}")
    if config.mode == "push_to_talk" and not talking:
        return Decision(IGNORED, "", "push-to-talk is not held")
    if config.mode == "wake_phrase":
        rest = _strip_wake(text, config.wake_phrase)
        if rest is None:
            return Decision(IGNORED, "", f"not addressed to the robot (no '{config.wake_phrase}' first)")
        if not rest:
            return Decision(REJECTED, "", "the wake phrase alone, no command")
        text = rest
    if config.require_action and _no_action(text):
        return Decision(REJECTED, "", f"no robot command in {text!r}")
    unknown = _unknown_noun(text, scene_words) if config.known_nouns_only else ""
    if unknown:
        return Decision(REJECTED, "", f"'{unknown}' is neither a known object word nor in the scene: probably "
                                      f"misheard in {text!r}")
    return Decision(COMMAND, text.rstrip(".!"), "")  # a "?" tells the parser it is a question
