"""The voice pipeline in one place: 16 kHz blocks -> VAD utterances -> recogniser -> decision.

`Listener.feed` is called with audio as it arrives (file, microphone or topic) and yields one
`Heard` per utterance; nothing here talks to ROS."""
from __future__ import annotations

import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Iterable, Iterator

import numpy as np

from .activation import COMMAND, REJECTED, STOP, ActivationConfig, Decision, decide
from .audio import clipping_problem
from .recognizer import Transcript
from .snapping import WORD, SnapConfig, SnapResult, VocabularySnapper
from .sources import WavSource
from .vad import Segmenter, Utterance, VadConfig


@dataclass(frozen=True)
class Heard:
    decision: Decision
    transcript: Transcript
    utterance: Utterance
    decided_at: float      # perf_counter() when the decision was made
    speech_ended_at: float  # perf_counter() estimate of the end of speech (stream time mapped to wall time)

    @property
    def is_command(self) -> bool:
        return self.decision.kind == COMMAND

    @property
    def is_stop(self) -> bool:
        return self.decision.kind == STOP

    @property
    def latency_ms(self) -> float:
        """End of speech -> decision."""
        return (self.decided_at - self.speech_ended_at) * 1000

    def as_dict(self) -> dict:
        return {"decision": self.decision.kind, "command": self.decision.text, "reason": self.decision.reason,
                "start_s": round(self.utterance.start_s, 2), "end_s": round(self.utterance.end_s, 2),
                **{k: v for k, v in self.transcript.as_dict().items() if k != "segments"},
                **({"snapped": list(self.decision.snaps)} if self.decision.snaps else {}),
                "latency_ms": round(self.latency_ms, 1)}


def scene_words_of(names) -> frozenset[str]:
    """The words of object names ("dark_red_cube_1" -> dark, red, cube, 1)."""
    return frozenset(w for name in names for w in name.replace("_", " ").lower().split())


def word_probabilities(transcript: Transcript) -> list[float] | None:
    """The recogniser's probability of each word of the transcript's text, as snapping.WORD splits it."""
    if not transcript.words:
        return None
    return [p for word, p in transcript.words for _ in WORD.finditer(word)]


def snap_transcript(snapper: VocabularySnapper | None, transcript: Transcript,
                    scene_words: frozenset[str] = frozenset(), allowed: Callable[[str], bool] | None = None) -> SnapResult:
    """The transcript snapped to the command language. `allowed`: the command guard's check; when it refuses
    the text as heard, nothing is snapped (the guard downstream then refuses that text too): a snap never
    turns a refused command into an accepted one."""
    text = transcript.text
    if snapper is None or not text:
        return SnapResult(text, text)
    result = snapper.snap(text, word_probabilities(transcript), scene_words)
    if result.changed and allowed is not None and not allowed(text):
        return SnapResult(text, text)
    return result


def guard_allows() -> Callable[[str], bool]:
    """The command guard's rules and structural layer (no models), for checking the unsnapped text."""
    from ..safety.guard import CommandGuard, load_guard_config
    guard = CommandGuard(load_guard_config(embedding=False))
    return lambda text: guard.check(text).allowed


class Listener:
    def __init__(self, recognizer, activation: ActivationConfig = ActivationConfig(),
                 vad: VadConfig = VadConfig(), segmenter: Segmenter | None = None,
                 snap: SnapConfig = SnapConfig(), allowed: Callable[[str], bool] | None = None):
        """`snap`: snapping misheard words to the vocabulary (snapping.py); `allowed`: the command guard's
        check of a text (True: allowed), asked about the unsnapped text whenever a word was snapped."""
        self.recognizer = recognizer
        self.activation = activation
        self.segmenter = segmenter or Segmenter(vad)
        self.talking = activation.mode != "push_to_talk"
        self.snapper = VocabularySnapper(snap) if snap.enabled else None
        self.allowed = allowed

    def scene_words(self) -> frozenset[str]:
        return scene_words_of(getattr(self.recognizer, "scene_objects", ()))

    def set_talking(self, talking: bool) -> None:
        """Push-to-talk pressed or released; releasing ends the utterance in progress."""
        self.talking = talking

    def feed(self, block: np.ndarray, live: bool = True) -> Iterator[Heard]:
        """`live`: the block has just arrived, so stream time maps to wall time (for latency)."""
        now = time.perf_counter()
        for utterance in self.segmenter.feed(block):
            yield self._hear(utterance, now, live)

    def finish(self) -> Iterator[Heard]:
        now = time.perf_counter()
        for utterance in self.segmenter.finish():
            yield self._hear(utterance, now, False)

    def _hear(self, utterance: Utterance, arrived: float, live: bool) -> Heard:
        talking = self.talking
        problem = clipping_problem(utterance.audio)
        if problem:
            transcript = Transcript("", 0.0, "en", (), 1.0, 0.0, (problem,))
            decision = Decision(REJECTED, "", problem)
        else:
            transcript = self.recognizer.transcribe(utterance.audio)
            scene_words = self.scene_words()
            snapped = snap_transcript(self.snapper, transcript, scene_words, self.allowed)
            decision = decide(replace(transcript, text=snapped.text), self.activation, talking, scene_words)
            if snapped.changed:
                decision = replace(decision, heard=snapped.original, snaps=tuple(map(str, snapped.snaps)))
        decided = time.perf_counter()
        # the end of speech plus the silence the VAD waited for came in with the block that closed it
        ended = arrived - self.segmenter.config.min_silence_s if live else decided - transcript.latency_ms / 1000
        return Heard(decision, transcript, utterance, decided, ended)


def listen_blocks(listener: Listener, blocks: Iterable[np.ndarray], live: bool = False) -> Iterator[Heard]:
    for block in blocks:
        yield from listener.feed(block, live)
    yield from listener.finish()


def listen_file(listener: Listener, path: str | Path) -> tuple[list[Heard], list[str]]:
    """Every utterance of a WAV file (streamed) and the warnings about the audio."""
    source = WavSource(path)
    heard = list(listen_blocks(listener, source))
    warnings = list(source.warnings)
    if not heard:
        warnings.append(f"{path}: no speech found ({source.format.duration_s:.1f} s of audio); nothing executed")
    return heard, warnings
