"""Where audio comes from: WAV files or folders, a microphone (PortAudio), chunks from a topic.
Every source yields float32 mono blocks at 16 kHz."""
from __future__ import annotations

import queue
from pathlib import Path
from typing import Iterator

import numpy as np

from ..errors import InputError
from .audio import RATE, StreamResampler, decode_chunk, rate_warning
from .wav import iter_wav_blocks


def wav_files(path: str | Path) -> list[Path]:
    """A WAV file, or the .wav files of a folder in name order."""
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() == ".wav")
        if not files:
            raise InputError(f"{path}: folder holds no .wav files")
        return files
    if not path.exists():
        raise InputError(f"{path}: no such audio file or folder")
    return [path]


class WavSource:
    """Streams one WAV file at 16 kHz, one block at a time; `warnings` says what was adapted."""

    def __init__(self, path: str | Path, block_s: float = 0.5):
        self.path = Path(path)
        self.format, self._blocks = iter_wav_blocks(self.path, block_s)
        self.warnings = [w for w in [rate_warning(self.format.sample_rate, str(self.path))] if w]

    def __iter__(self) -> Iterator[np.ndarray]:
        resample = StreamResampler(self.format.sample_rate, RATE)
        for block in self._blocks:
            out = resample(block)
            if len(out):
                yield out
        tail = resample.flush()
        if len(tail):
            yield tail


def read_wav_16k(path: str | Path) -> tuple[np.ndarray, list[str]]:
    """A whole (short) WAV file at 16 kHz mono, and the warnings."""
    source = WavSource(path)
    blocks = list(source)
    return (np.concatenate(blocks) if blocks else np.zeros(0, np.float32)), source.warnings


class ChunkStream:
    """Audio chunks pushed from elsewhere (an AudioChunk topic) -> 16 kHz blocks pulled by a
    worker. Bounded: when the worker falls behind, the oldest chunks are dropped and counted."""

    END = "end"  # yielded by blocks() where mark_end() was called

    def __init__(self, max_chunks: int = 200):
        self._queue: queue.Queue = queue.Queue(max_chunks)
        self._resampler: StreamResampler | None = None
        self._rate = 0
        self.dropped = 0
        self.warnings: list[str] = []

    def push(self, data: bytes, sample_rate: int, channels: int, encoding: str, where: str = "audio chunk") -> None:
        """Decode and queue one chunk; raises InputError naming `where` for a malformed one."""
        samples = decode_chunk(data, sample_rate, channels, encoding, where)
        if sample_rate != self._rate:
            self._resampler, self._rate = StreamResampler(sample_rate, RATE), sample_rate
            warning = rate_warning(sample_rate, where)
            if warning:
                self.warnings.append(warning)
        block = self._resampler(samples)
        while True:
            try:
                self._queue.put_nowait(block)
                return
            except queue.Full:
                try:
                    self._queue.get_nowait()
                    self.dropped += 1
                except queue.Empty:
                    pass

    def mark_end(self) -> None:
        """The stream (or a push-to-talk turn) ended: the consumer finishes the utterance in progress."""
        self._queue.put(self.END)

    def close(self) -> None:
        self._queue.put(None)

    def blocks(self, timeout_s: float | None = None) -> Iterator[np.ndarray | str]:
        """Blocks (and END markers) until close(); with a timeout, an empty block whenever nothing
        came in time."""
        while True:
            try:
                block = self._queue.get(timeout=timeout_s)
            except queue.Empty:
                yield np.zeros(0, np.float32)
                continue
            if block is None:
                return
            yield block


def find_input_device(device: str | int | None):
    """sounddevice input device index from an index or a (part of a) name."""
    import sounddevice
    devices = sounddevice.query_devices()
    inputs = [(i, d) for i, d in enumerate(devices) if d["max_input_channels"] > 0]
    if not inputs:
        raise InputError("no microphone: PortAudio lists no input device")
    if device in (None, ""):
        return None
    if isinstance(device, int) or str(device).isdigit():
        index = int(device)
        if not any(i == index for i, _ in inputs):
            raise InputError(f"microphone {index} is not an input device; inputs: "
                             + ", ".join(f"{i}: {d['name']}" for i, d in inputs))
        return index
    matches = [i for i, d in inputs if str(device).lower() in d["name"].lower()]
    if not matches:
        raise InputError(f"no microphone named '{device}'; inputs: " + ", ".join(f"{i}: {d['name']}" for i, d in inputs))
    return matches[0]


class MicrophoneSource:
    """A PortAudio input stream (sounddevice) -> ChunkStream; device by index or name."""

    def __init__(self, device: str | int | None = None, block_s: float = 0.032):
        import sounddevice
        self.device = find_input_device(device)
        info = sounddevice.query_devices(self.device, "input")
        self.sample_rate = int(info["default_samplerate"])
        self.chunks = ChunkStream()
        self._stream = sounddevice.InputStream(device=self.device, channels=1, samplerate=self.sample_rate,
                                               dtype="float32", blocksize=int(block_s * self.sample_rate),
                                               callback=self._on_audio)

    def _on_audio(self, data, frames, time_info, status) -> None:
        self.chunks.push(np.ascontiguousarray(data[:, 0]).tobytes(), self.sample_rate, 1, "F32LE", "microphone")

    def __enter__(self) -> "MicrophoneSource":
        self._stream.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stream.stop()
        self._stream.close()
        self.chunks.close()
