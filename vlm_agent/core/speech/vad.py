"""Utterances out of a 16 kHz stream with Silero VAD (ONNX, one thread).

Memory is bounded: a pre-roll ring (so first syllables are kept) and at most `max_utterance_s`
of speech; longer speech is cut there and the rest counted as a new utterance."""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Iterator

import numpy as np

from .audio import RATE

FRAME = 512  # samples per Silero VAD frame at 16 kHz (32 ms)


@dataclass(frozen=True)
class VadConfig:
    threshold: float = 0.5          # speech probability that starts an utterance
    min_silence_s: float = 0.30     # silence that ends one (end-of-speech latency)
    pre_roll_s: float = 0.30        # audio kept before the detected start
    min_speech_s: float = 0.20      # shorter bursts (clicks, coughs) are dropped
    max_utterance_s: float = 15.0


@dataclass(frozen=True)
class Utterance:
    audio: np.ndarray   # float32 16 kHz mono, pre-roll included
    start_s: float      # stream time of the first sample in `audio`
    end_s: float        # stream time speech ended (the VAD's end of speech)
    speech_s: float     # frames judged speech
    truncated: bool = False  # cut at max_utterance_s

    @property
    def duration_s(self) -> float:
        return len(self.audio) / RATE


def load_silero():
    """Silero VAD as ONNX on one intra-op thread (silero-vad sets both thread counts to 1)."""
    from silero_vad import load_silero_vad
    return load_silero_vad(onnx=True)


class Segmenter:
    def __init__(self, config: VadConfig = VadConfig(), model=None):
        self.config = config
        self.model = model or load_silero()
        self._pending = np.zeros(0, np.float32)
        self._pre = deque(maxlen=max(1, int(config.pre_roll_s * RATE / FRAME)))
        self._speech: list[np.ndarray] = []
        self._speech_frames = 0
        self._silent_frames = 0
        self._start_frame = 0
        self.frames = 0            # frames seen since the stream began
        self.last_probability = 0.0

    @property
    def in_speech(self) -> bool:
        return bool(self._speech)

    def reset(self) -> None:
        """Forget any utterance in progress (push-to-talk released, a new file)."""
        self._pending = np.zeros(0, np.float32)
        self._pre.clear()
        self._speech, self._speech_frames, self._silent_frames = [], 0, 0
        self.model.reset_states()

    def feed(self, block: np.ndarray) -> Iterator[Utterance]:
        import torch
        samples = np.concatenate([self._pending, block]) if len(self._pending) else block
        whole = len(samples) // FRAME * FRAME
        self._pending = samples[whole:].copy()
        for offset in range(0, whole, FRAME):
            frame = samples[offset:offset + FRAME]
            probability = float(self.model(torch.from_numpy(np.ascontiguousarray(frame)), RATE))
            self.last_probability = probability
            self.frames += 1
            utterance = self._step(frame, probability)
            if utterance is not None:
                yield utterance

    def finish(self) -> Iterator[Utterance]:
        """End of stream: what is still in progress becomes an utterance."""
        if self._speech:
            utterance = self._close(truncated=False)
            if utterance is not None:
                yield utterance
        self.reset()

    def _step(self, frame: np.ndarray, probability: float) -> Utterance | None:
        config = self.config
        if not self._speech:
            if probability >= config.threshold:
                self._start_frame = self.frames - 1 - len(self._pre)
                self._speech = list(self._pre) + [frame]
                self._speech_frames, self._silent_frames = 1, 0
                self._pre.clear()
            else:
                self._pre.append(frame)
            return None
        self._speech.append(frame)
        if probability >= config.threshold - 0.15:  # hysteresis: weaker frames inside speech still count
            self._speech_frames += 1
            self._silent_frames = 0
        else:
            self._silent_frames += 1
        if self._silent_frames * FRAME >= config.min_silence_s * RATE:
            return self._close(truncated=False)
        if len(self._speech) * FRAME >= config.max_utterance_s * RATE:
            return self._close(truncated=True)
        return None

    def _close(self, truncated: bool) -> Utterance | None:
        frames, silent, speech = self._speech, self._silent_frames, self._speech_frames
        self._speech, self._speech_frames, self._silent_frames = [], 0, 0
        if speech * FRAME < self.config.min_speech_s * RATE:
            return None
        audio = np.concatenate(frames)
        start = self._start_frame * FRAME / RATE
        end = (self._start_frame + len(frames) - silent) * FRAME / RATE
        return Utterance(audio, start, end, speech * FRAME / RATE, truncated)
