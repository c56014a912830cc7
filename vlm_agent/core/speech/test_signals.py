"""Spoken test commands for tests and benchmarks: espeak-ng speech (voice, rate, pitch) mixed
with white noise, babble (overlapping espeak speech) or fan hum at a given SNR."""
from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import numpy as np

from ..errors import InputError
from .sources import read_wav_16k

VOICES = ("en-us", "en-gb", "en-gb-scotland", "en-us+f3", "en-gb-x-rp+m3")
BABBLE_TEXTS = ("the weather was nice yesterday afternoon", "we should order more paper for the printer",
                "my train was late again this morning", "she said the meeting moved to thursday")


def speak(text: str, voice: str = "en-us", rate: int = 170, pitch: int = 50) -> np.ndarray:
    """float32 16 kHz mono speech of `text` from espeak-ng."""
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "speech.wav"
        done = subprocess.run(["espeak-ng", "-v", voice, "-s", str(rate), "-p", str(pitch), "-w", str(wav), text],
                              capture_output=True)
        if done.returncode != 0:
            raise InputError(f"espeak-ng failed for voice {voice}: {done.stderr.decode()[-200:]}")
        audio, _ = read_wav_16k(wav)
    return audio


def white_noise(n: int, rng: np.random.Generator) -> np.ndarray:
    return rng.standard_normal(n).astype(np.float32)


def fan_hum(n: int, rng: np.random.Generator) -> np.ndarray:
    """Mains hum with harmonics plus low-passed broadband air noise."""
    t = np.arange(n) / 16000.0
    base = rng.uniform(48, 62)
    hum = sum(np.sin(2 * np.pi * base * k * t + rng.uniform(0, 6.28)) / k for k in (1, 2, 3, 4))
    air = np.convolve(rng.standard_normal(n), np.ones(16) / 16, mode="same") * 3
    return (hum + air).astype(np.float32)


def babble(n: int, rng: np.random.Generator, talkers: int = 3) -> np.ndarray:
    out = np.zeros(n, np.float32)
    for k in range(talkers):
        voice = VOICES[int(rng.integers(len(VOICES)))]
        speech = speak(BABBLE_TEXTS[(k + int(rng.integers(4))) % 4], voice, int(rng.integers(150, 200)),
                       int(rng.integers(30, 70)))
        speech = np.tile(speech, int(np.ceil(n / max(len(speech), 1))) + 1)
        start = int(rng.integers(0, len(speech) - n))
        out += speech[start:start + n]
    return out


NOISES = {"white": white_noise, "fan": fan_hum, "babble": babble}


def mix(speech: np.ndarray, noise_kind: str, snr_db: float | None, rng: np.random.Generator,
        lead_s: float = 0.6, tail_s: float = 0.8) -> np.ndarray:
    """Speech padded with `lead_s`/`tail_s`, noise across the whole clip scaled so that speech
    power / noise power = snr_db (None: clean). Peak kept below full scale."""
    pad = np.zeros(int(lead_s * 16000), np.float32), np.zeros(int(tail_s * 16000), np.float32)
    clean = np.concatenate([pad[0], speech, pad[1]])
    if snr_db is None:
        return clean
    noise = NOISES[noise_kind](len(clean), rng)
    active = speech[np.abs(speech) > 0.01 * np.abs(speech).max()]
    speech_power = float(np.mean(active ** 2))
    noise = noise * np.sqrt(speech_power / (float(np.mean(noise ** 2)) * 10 ** (snr_db / 10)))
    out = clean + noise
    peak = np.abs(out).max()
    return (out * (0.9 / peak) if peak > 0.9 else out).astype(np.float32)


def noise_only(kind: str, seconds: float, rms: float, rng: np.random.Generator) -> np.ndarray:
    """`seconds` of one noise at an absolute RMS level (no speech)."""
    noise = NOISES[kind](int(seconds * 16000), rng)
    return (noise * (rms / float(np.sqrt(np.mean(noise ** 2))))).clip(-0.99, 0.99).astype(np.float32)
