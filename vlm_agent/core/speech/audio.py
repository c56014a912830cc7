"""Audio at the recogniser's rate: streaming resampling, raw chunk decoding and quality checks."""
from __future__ import annotations

from dataclasses import dataclass, field
from math import gcd

import numpy as np
from scipy.signal import resample_poly

from ..errors import InputError

RATE = 16000            # what Silero VAD and Whisper take
LOW_RATE_WARNING = 16000
CLIP_LEVEL = 0.999
MAX_CLIPPED_SHARE = 0.01  # more than 1% of an utterance at full scale: refused as clipped
ENCODINGS = {"S16LE": np.dtype("<i2"), "F32LE": np.dtype("<f4")}


class StreamResampler:
    """Polyphase resampling of consecutive blocks: each block is resampled with `context` input
    samples of the previous one on the left and the last `context` held back for the next, so
    block edges leave no clicks; boundaries fall on multiples of `down`, so no sample drifts."""

    def __init__(self, source_rate: int, target_rate: int = RATE):
        if source_rate <= 0:
            raise InputError(f"sample rate {source_rate} Hz is not positive")
        divisor = gcd(int(source_rate), int(target_rate))
        self.up, self.down = target_rate // divisor, int(source_rate) // divisor
        self.identity = self.up == self.down
        self.context = self.down * -(-64 // self.down)
        self._buffer = np.zeros(0, np.float32)
        self._start = 0  # first input sample of the buffer not yet emitted

    def __call__(self, block: np.ndarray) -> np.ndarray:
        if self.identity:
            return block.astype(np.float32, copy=False)
        buffer = np.concatenate([self._buffer, block.astype(np.float32)])
        count = (len(buffer) - self._start - self.context) // self.down * self.down
        if count <= 0:
            self._buffer = buffer
            return np.zeros(0, np.float32)
        out = resample_poly(buffer, self.up, self.down).astype(np.float32)
        emitted = out[self._start * self.up // self.down:(self._start + count) * self.up // self.down]
        keep_from = max(0, self._start + count - self.context)
        self._buffer, self._start = buffer[keep_from:], self._start + count - keep_from
        return emitted

    def flush(self) -> np.ndarray:
        if self.identity or len(self._buffer) <= self._start:
            return np.zeros(0, np.float32)
        out = resample_poly(self._buffer, self.up, self.down).astype(np.float32)
        emitted = out[self._start * self.up // self.down:]
        self._buffer, self._start = np.zeros(0, np.float32), 0
        return emitted


def decode_chunk(data: bytes, sample_rate: int, channels: int, encoding: str, where: str = "audio chunk") -> np.ndarray:
    """Interleaved S16LE/F32LE bytes -> float32 mono at the chunk's own rate; errors name `where`."""
    if encoding not in ENCODINGS:
        raise InputError(f"{where}: encoding '{encoding}' is not one of {sorted(ENCODINGS)}")
    if channels < 1:
        raise InputError(f"{where}: channels is {channels}")
    if sample_rate < 4000 or sample_rate > 384000:
        raise InputError(f"{where}: sample_rate {sample_rate} Hz is out of range (4000-384000)")
    dtype = ENCODINGS[encoding]
    if len(data) % (dtype.itemsize * channels):
        raise InputError(f"{where}: {len(data)} bytes is not a whole number of {channels}-channel {encoding} frames")
    samples = np.frombuffer(bytes(data), dtype).astype(np.float32)
    if encoding == "S16LE":
        samples /= 32768.0
    elif not np.all(np.isfinite(samples)):
        raise InputError(f"{where}: F32LE data holds NaN or infinite samples")
    return samples.reshape(-1, channels).mean(axis=1) if channels > 1 else samples


@dataclass
class LevelMeter:
    """Counts over a stream: samples, clipped samples and the loudest level."""
    samples: int = 0
    clipped: int = 0
    peak: float = 0.0
    warnings: list[str] = field(default_factory=list)

    def add(self, block: np.ndarray) -> None:
        if not len(block):
            return
        self.samples += len(block)
        magnitude = np.abs(block)
        self.clipped += int(np.count_nonzero(magnitude >= CLIP_LEVEL))
        self.peak = max(self.peak, float(magnitude.max()))

    @property
    def clipped_share(self) -> float:
        return self.clipped / self.samples if self.samples else 0.0


def clipping_problem(samples: np.ndarray) -> str:
    """'' or why an utterance is too clipped to be trusted."""
    if not len(samples):
        return ""
    share = float(np.count_nonzero(np.abs(samples) >= CLIP_LEVEL)) / len(samples)
    if share > MAX_CLIPPED_SHARE:
        return (f"clipped audio: {100 * share:.1f}% of the samples are at full scale (the input gain is too high); "
                "not executed")
    return ""


def rate_warning(sample_rate: int, where: str) -> str:
    if sample_rate < LOW_RATE_WARNING:
        return (f"{where}: {sample_rate} Hz audio (telephone quality) was resampled to {RATE} Hz; "
                "recognition is less accurate")
    return ""
