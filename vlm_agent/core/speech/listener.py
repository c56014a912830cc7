"""The voice pipeline in one place: 16 kHz blocks -> VAD utterances -> recogniser -> decision.

`Listener.feed` is called with audio as it arrives (file, microphone or topic) and yields one
`Heard` per utterance; nothing here talks to ROS."""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from .activation import COMMAND, REJECTED, STOP, ActivationConfig, Decision, decide
from .audio import clipping_problem
from .recognizer import Transcript
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
                "latency_ms": round(self.latency_ms, 1)}


class Listener:
    def __init__(self, recognizer, activation: ActivationConfig = ActivationConfig(),
                 vad: VadConfig = VadConfig(), segmenter: Segmenter | None = None):
        self.recognizer = recognizer
        self.activation = activation
        self.segmenter = segmenter or Segmenter(vad)
        self.talking = activation.mode != "push_to_talk"

    def scene_words(self) -> frozenset[str]:
        names = getattr(self.recognizer, "scene_objects", ())
        return frozenset(w for name in names for w in name.replace("_", " ").lower().split())

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
            decision = decide(transcript, self.activation, talking, self.scene_words())
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
