"""Whisper tiny.en on espeak-ng speech (several voices, rates and pitches) mixed with white noise,
babble (overlapping espeak talkers) and fan hum at 20 and 10 dB SNR: each spoken command comes
out as the typed text, or is refused with "Sorry" - never as a different command."""
import re

import numpy as np
import pytest

from vlm_agent.core.speech.listener import Listener, listen_blocks
from vlm_agent.core.speech.recognizer import WhisperRecognizer
from vlm_agent.core.speech.test_signals import mix, speak

pytestmark = pytest.mark.slow  # ~40 transcriptions on a shared 2-core CPU

COMMANDS = ("pick up the red cube", "put the blue ball on the plate", "push the green block", "stop",
            "point at the yellow sphere", "grab the white plate")
SPEAKERS = (("en-us", 170, 50), ("en-gb", 150, 35), ("en-gb-scotland", 190, 65), ("en-us+f3", 160, 70))


@pytest.fixture(scope="module")
def listener():
    return Listener(WhisperRecognizer())


def _words(text):
    return re.findall(r"[a-z]+", text.lower())


@pytest.mark.parametrize("noise", ["white", "babble", "fan"])
def test_spoken_commands_in_noise(listener, noise):
    rng = np.random.default_rng({"white": 1, "babble": 2, "fan": 3}[noise])
    outcomes = []
    for index, (snr, (voice, rate, pitch)) in enumerate([(s, v) for s in (20, 10) for v in SPEAKERS]):
        command = COMMANDS[(index + len(noise)) % len(COMMANDS)]
        audio = mix(speak(command, voice, rate, pitch), noise, snr, rng)
        heard = list(listen_blocks(listener, (audio[i:i + 1024] for i in range(0, len(audio), 1024))))
        acted = [h for h in heard if h.decision.kind in ("command", "stop")]
        wrong = [h.decision.text for h in acted if _words(h.decision.text) != _words(command)]
        outcomes.append((snr, bool(acted) and not wrong, bool(wrong), f"{voice}/{rate}/{pitch}: {wrong}"))
    for snr, need in ((20, 2), (10, 1)):  # of 4 speakers; the benchmark has the rates over 162 clips
        correct = sum(ok for s, ok, _, _ in outcomes if s == snr)
        wrong = [why for s, _, bad, why in outcomes if s == snr and bad]
        assert correct >= need, f"{noise} at {snr} dB: only {correct} of 4 understood"
        assert len(wrong) <= (0 if snr == 20 else 1), f"{noise} at {snr} dB: misheard commands sent: {wrong}"


def test_telephone_quality_speech_is_still_understood(listener, tmp_path):
    from scipy.signal import resample_poly
    from vlm_agent.core.speech.listener import listen_file
    from vlm_agent.core.speech.wav import write_wav
    speech = mix(speak("pick up the red cube", "en-us", 170), "white", 20, np.random.default_rng(4))
    path = write_wav(tmp_path / "phone.wav", resample_poly(speech, 1, 2).astype(np.float32), 8000)
    heard, warnings = listen_file(listener, path)
    assert [h.decision.text.lower() for h in heard] == ["pick up the red cube"]
    assert any("8000 Hz" in w for w in warnings)
