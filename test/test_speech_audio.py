"""Audio in for the voice pipeline: WAV formats, resampling, chunk decoding and bad audio."""
import struct
import tracemalloc

import numpy as np
import pytest

from vlm_agent.core.errors import InputError
from vlm_agent.core.speech.audio import StreamResampler, clipping_problem, decode_chunk
from vlm_agent.core.speech.sources import ChunkStream, WavSource, read_wav_16k, wav_files
from vlm_agent.core.speech.wav import write_wav


def _wav(path, samples, rate, code=1, bits=16):
    """A WAV file in any PCM/float layout (samples: [n, channels] floats in [-1, 1])."""
    data = np.asarray(samples, np.float64)
    channels = data.shape[1]
    if code == 3:
        raw = data.astype("<f4" if bits == 32 else "<f8").tobytes()
    elif bits == 8:
        raw = (data * 127 + 128).astype(np.uint8).tobytes()
    elif bits == 24:
        ints = (data * (2 ** 23 - 1)).astype("<i4").reshape(-1)
        raw = b"".join(struct.pack("<i", int(v))[:3] for v in ints)
    else:
        raw = (data * (2 ** (bits - 1) - 1)).astype(f"<i{bits // 8}").tobytes()
    fmt = struct.pack("<HHIIHH", code, channels, rate, rate * channels * bits // 8, channels * bits // 8, bits)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(raw)) + raw
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    return path


def _tone(rate, seconds=1.0, channels=2, freq=440.0):
    t = np.arange(int(rate * seconds)) / rate
    return np.stack([0.5 * np.sin(2 * np.pi * freq * t)] * channels, axis=1)


@pytest.mark.parametrize("rate,code,bits,channels", [(44100, 1, 16, 2), (48000, 1, 24, 2), (22050, 1, 8, 1),
                                                     (32000, 1, 32, 3), (16000, 3, 32, 1), (44100, 3, 64, 2)])
def test_any_rate_channels_and_sample_format_arrive_as_16k_mono(tmp_path, rate, code, bits, channels):
    path = _wav(tmp_path / "tone.wav", _tone(rate, 1.0, channels), rate, code, bits)
    audio, warnings = read_wav_16k(path)
    assert abs(len(audio) - 16000) <= 2 and warnings == []
    spectrum = np.abs(np.fft.rfft(audio[2000:14000]))
    assert abs(np.argmax(spectrum) * 16000 / 12000 - 440) < 3  # the tone survived resampling
    assert 0.45 < np.abs(audio[1000:15000]).max() < 0.55


def test_telephone_audio_is_resampled_with_a_warning(tmp_path):
    path = _wav(tmp_path / "phone.wav", _tone(8000, 0.5, 1), 8000)
    audio, warnings = read_wav_16k(path)
    assert len(audio) == 8000 and len(warnings) == 1
    assert "8000 Hz" in warnings[0] and "phone.wav" in warnings[0]


def test_bad_files_get_errors_naming_the_file(tmp_path):
    (tmp_path / "empty.wav").write_bytes(b"")
    (tmp_path / "notes.wav").write_text("these are my notes, not audio")
    _wav(tmp_path / "nodata.wav", np.zeros((0, 1)), 16000)
    header = bytearray(_wav(tmp_path / "alaw.wav", _tone(8000, 0.1, 1), 8000).read_bytes())
    header[20:22] = struct.pack("<H", 6)  # A-law
    (tmp_path / "alaw.wav").write_bytes(bytes(header))
    cases = {"empty.wav": "empty file", "notes.wav": "not a WAV file", "nodata.wav": "zero-length",
             "alaw.wav": "unsupported WAV sample format", "missing.wav": "no such audio file"}
    for name, expected in cases.items():
        with pytest.raises(InputError, match=expected) as error:
            read_wav_16k(tmp_path / name)
        assert name in str(error.value)
    (tmp_path / "no_audio").mkdir()
    with pytest.raises(InputError, match="no_audio: folder holds no .wav files"):
        wav_files(tmp_path / "no_audio")


def test_a_folder_is_read_in_name_order(tmp_path):
    for name in ("b.wav", "a.wav", "notes.txt"):
        (tmp_path / name).write_bytes(b"x")
    assert [p.name for p in wav_files(tmp_path)] == ["a.wav", "b.wav"]


def test_streaming_resampler_matches_whole_signal_resampling():
    from scipy.signal import resample_poly
    rng = np.random.default_rng(0)
    for rate in (8000, 22050, 44100, 48000):
        x = rng.standard_normal(rate * 2).astype(np.float32)
        resampler = StreamResampler(rate)
        sizes = rng.integers(1, 3000, 200)
        pieces, offset = [], 0
        for size in sizes:
            pieces.append(resampler(x[offset:offset + size]))
            offset += size
            if offset >= len(x):
                break
        pieces.append(resampler(x[offset:]))
        pieces.append(resampler.flush())
        out = np.concatenate(pieces)
        reference = resample_poly(x, resampler.up, resampler.down)
        assert len(out) == len(reference)
        assert np.abs(out - reference).max() < 1e-4


def test_ten_minutes_stream_through_in_bounded_memory(tmp_path):
    path = tmp_path / "long.wav"
    rng = np.random.default_rng(1)
    write_wav(path, (0.01 * rng.standard_normal(16000 * 600)).astype(np.float32), 16000)  # 19 MB on disk
    tracemalloc.start()
    total, largest = 0, 0
    for block in WavSource(path):
        total += len(block)
        largest = max(largest, len(block))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert total == 16000 * 600 and largest <= 8000
    assert peak < 2_000_000  # a few blocks, never the 19 MB file


def test_audio_chunks_decode_or_name_the_problem():
    s16 = (np.array([0, 16384, -16384, 32767], "<i2")).tobytes()
    assert np.allclose(decode_chunk(s16, 16000, 1, "S16LE"), [0, 0.5, -0.5, 32767 / 32768])
    stereo = np.array([[0.5, -0.5], [1.0, 0.0]], "<f4").tobytes()
    assert np.allclose(decode_chunk(stereo, 48000, 2, "F32LE"), [0.0, 0.5])
    for args, expected in [((s16, 16000, 1, "MP3"), "encoding 'MP3'"), ((s16[:3], 16000, 1, "S16LE"), "whole number"),
                           ((s16, 100, 1, "S16LE"), "sample_rate 100"), ((s16, 16000, 0, "S16LE"), "channels is 0"),
                           ((np.array([np.nan], "<f4").tobytes(), 16000, 1, "F32LE"), "NaN")]:
        with pytest.raises(InputError, match=expected) as error:
            decode_chunk(*args, where="topic 'audio'")
        assert "topic 'audio'" in str(error.value)


def test_chunk_stream_is_bounded_and_counts_what_it_drops():
    stream = ChunkStream(max_chunks=3)
    chunk = np.zeros(1600, "<i2").tobytes()
    for _ in range(5):
        stream.push(chunk, 16000, 1, "S16LE")
    stream.push(np.zeros(800, "<i2").tobytes(), 8000, 1, "S16LE")
    assert stream.dropped == 3 and any("8000 Hz" in w for w in stream.warnings)


def test_clipped_audio_is_refused_quiet_audio_is_not():
    t = np.arange(16000) / 16000
    loud = np.clip(3 * np.sin(2 * np.pi * 200 * t), -1, 1).astype(np.float32)
    assert "clipped audio" in clipping_problem(loud)
    assert clipping_problem((0.5 * np.sin(2 * np.pi * 200 * t)).astype(np.float32)) == ""
