"""Streaming WAV reader: any sample rate, channel count and PCM/float sample format, read block
by block so a 10-minute file never sits in memory at once."""
from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterator

import numpy as np

from ..errors import InputError

PCM, IEEE_FLOAT, EXTENSIBLE = 1, 3, 0xFFFE
_DTYPES = {(PCM, 8): np.uint8, (PCM, 16): np.dtype("<i2"), (PCM, 32): np.dtype("<i4"),
           (IEEE_FLOAT, 32): np.dtype("<f4"), (IEEE_FLOAT, 64): np.dtype("<f8")}


@dataclass(frozen=True)
class WavFormat:
    sample_rate: int
    channels: int
    bits: int
    code: int          # PCM or IEEE_FLOAT
    data_offset: int
    data_bytes: int

    @property
    def frame_bytes(self) -> int:
        return self.channels * self.bits // 8

    @property
    def duration_s(self) -> float:
        return self.data_bytes / self.frame_bytes / self.sample_rate


def read_format(path: str | Path) -> WavFormat:
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such audio file")
    with open(path, "rb") as stream:
        return _parse_header(stream, path)


def _parse_header(stream: BinaryIO, path: Path) -> WavFormat:
    head = stream.read(12)
    if len(head) == 0:
        raise InputError(f"{path}: empty file (0 bytes), no audio")
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        raise InputError(f"{path}: not a WAV file (no RIFF/WAVE header; starts with {head[:12]!r}); "
                         "convert it to WAV, e.g. ffmpeg -i in.mp3 out.wav")
    fmt = None
    while True:
        chunk = stream.read(8)
        if len(chunk) < 8:
            raise InputError(f"{path}: WAV file has no {'data' if fmt else 'fmt '} chunk")
        name, size = chunk[:4], struct.unpack("<I", chunk[4:])[0]
        if name == b"fmt ":
            body = stream.read(size + (size & 1))
            if len(body) < 16:
                raise InputError(f"{path}: fmt chunk of {len(body)} bytes is truncated")
            code, channels, rate, _, _, bits = struct.unpack("<HHIIHH", body[:16])
            if code == EXTENSIBLE and len(body) >= 26:
                code = struct.unpack("<H", body[24:26])[0]
            fmt = (code, channels, rate, bits)
        elif name == b"data":
            if fmt is None:
                raise InputError(f"{path}: data chunk before the fmt chunk")
            code, channels, rate, bits = fmt
            if (code, bits) not in _DTYPES and not (code == PCM and bits == 24):
                raise InputError(f"{path}: unsupported WAV sample format (format code {code}, {bits} bits); "
                                 "use 8/16/24/32-bit PCM or 32/64-bit float")
            if channels < 1 or rate < 1000:
                raise InputError(f"{path}: fmt chunk says {channels} channels at {rate} Hz")
            offset = stream.tell()
            available = stream.seek(0, 2) - offset
            return WavFormat(rate, channels, bits, code, offset, min(size, available))
        else:
            stream.seek(size + (size & 1), 1)


def decode_samples(raw: bytes, code: int, bits: int, channels: int) -> np.ndarray:
    """Interleaved bytes -> float32 mono in [-1, 1]."""
    if code == PCM and bits == 24:
        b = np.frombuffer(raw[:len(raw) // 3 * 3], np.uint8).reshape(-1, 3).astype(np.int32)
        values = ((b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)) << 8 >> 8).astype(np.float32) / 2 ** 23
    else:
        dtype = np.dtype(_DTYPES[(code, bits)])
        data = np.frombuffer(raw[:len(raw) // dtype.itemsize * dtype.itemsize], dtype)
        if code == IEEE_FLOAT:
            values = data.astype(np.float32)
        elif bits == 8:
            values = (data.astype(np.float32) - 128.0) / 128.0
        else:
            values = data.astype(np.float32) / float(2 ** (bits - 1))
    values = values[:len(values) // channels * channels].reshape(-1, channels)
    return values.mean(axis=1) if channels > 1 else values[:, 0]


def iter_wav_blocks(path: str | Path, block_s: float = 1.0) -> tuple[WavFormat, Iterator[np.ndarray]]:
    """(format, blocks of float32 mono samples at the file's own rate)."""
    fmt = read_format(path)
    if fmt.data_bytes < fmt.frame_bytes:
        raise InputError(f"{path}: zero-length audio (the data chunk holds no samples)")

    def blocks() -> Iterator[np.ndarray]:
        step = max(1, int(block_s * fmt.sample_rate)) * fmt.frame_bytes
        with open(path, "rb") as stream:
            stream.seek(fmt.data_offset)
            left = fmt.data_bytes
            while left > 0:
                raw = stream.read(min(step, left))
                if not raw:
                    return
                left -= len(raw)
                yield decode_samples(raw, fmt.code, fmt.bits, fmt.channels)
    return fmt, blocks()


def write_wav(path: str | Path, samples: np.ndarray, sample_rate: int = 16000) -> Path:
    """float32 mono (or [n, channels]) in [-1, 1] -> 16-bit PCM WAV."""
    import wave
    path = Path(path)
    data = np.asarray(samples, np.float32)
    channels = 1 if data.ndim == 1 else data.shape[1]
    pcm = (np.clip(data, -1.0, 1.0) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(sample_rate)
        out.writeframes(pcm.tobytes())
    return path
