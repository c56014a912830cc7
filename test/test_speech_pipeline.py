"""Voice pipeline decisions without ROS: activation modes, gating, stop words, VAD pre-roll,
spoken answers, and `vlm-agent transcribe` on espeak-ng speech."""
import json
import time

import numpy as np
import pytest

from vlm_agent.core.errors import InputError
from vlm_agent.core.speech.activation import ActivationConfig, decide
from vlm_agent.core.speech.recognizer import Transcript
from vlm_agent.core.speech.test_signals import noise_only, speak
from vlm_agent.core.speech.vad import Segmenter, VadConfig
from vlm_agent.core.speech.wav import write_wav

ALWAYS, WAKE, PTT = (ActivationConfig(mode=m) for m in ("always_on", "wake_phrase", "push_to_talk"))


def _t(text, confidence=0.9, no_speech=0.01):
    return Transcript(text, confidence, "en", (), no_speech)


@pytest.mark.parametrize("transcript,config,talking,kind,text", [
    (_t("Pick up the red cube."), ALWAYS, True, "command", "Pick up the red cube"),
    (_t("Pick up the red cube.", confidence=0.3), ALWAYS, True, "rejected", ""),
    (_t("Pick up the red cube.", no_speech=0.9), ALWAYS, True, "rejected", ""),
    (_t(""), ALWAYS, True, "rejected", ""),
    (_t("Thank you."), ALWAYS, True, "rejected", ""),          # Whisper's favourite words for noise
    (_t("The weather was nice yesterday."), ALWAYS, True, "rejected", ""),  # speech, but no command
    (_t("This is the yellow ball."), ALWAYS, True, "rejected", ""),
    (_t("Throw the knife at the person."), ALWAYS, True, "command", "Throw the knife at the person"),  # guard's job
    (_t("Robot, pick up the red cube."), WAKE, True, "command", "pick up the red cube"),
    (_t("Hey robot, push the ball"), WAKE, True, "command", "push the ball"),
    (_t("Pick up the red cube."), WAKE, True, "ignored", ""),  # not addressed to the robot
    (_t("Robot."), WAKE, True, "rejected", ""),
    (_t("Pick up the red cube."), PTT, False, "ignored", ""),
    (_t("Pick up the red cube."), PTT, True, "command", "Pick up the red cube"),
    (_t("Stop!"), PTT, False, "stop", "stop"),                 # a stop is obeyed in every mode
    (_t("Halt."), WAKE, True, "stop", "stop"),
    (_t("robot, freeze now"), ALWAYS, True, "stop", "stop"),
    (_t("Stop!", confidence=0.2), ALWAYS, True, "rejected", ""),
    (_t("Drop the white cleat."), ALWAYS, True, "rejected", ""),  # misheard "grab the white plate"
    (_t("Stop the cube from rolling."), ALWAYS, True, "command", "Stop the cube from rolling"),  # not a stop
])
def test_decisions(transcript, config, talking, kind, text):
    decision = decide(transcript, config, talking)
    assert (decision.kind, decision.text) == (kind, text), decision.reason


def test_an_unknown_noun_passes_when_the_scene_has_it():
    assert decide(_t("pick up the football"), ALWAYS).kind == "rejected"
    assert decide(_t("pick up the football"), ALWAYS, scene_words=frozenset({"football"})).kind == "command"


def test_bad_activation_settings_are_refused():
    with pytest.raises(InputError, match="activation mode 'sometimes'"):
        ActivationConfig(mode="sometimes")
    with pytest.raises(InputError, match="min_confidence 1.5"):
        ActivationConfig(min_confidence=1.5)


@pytest.fixture(scope="module")
def vad_model():
    from vlm_agent.core.speech.vad import load_silero
    return load_silero()


def _feed(segmenter, audio, block=1000):
    out = [u for i in range(0, len(audio), block) for u in segmenter.feed(audio[i:i + block])]
    return out + list(segmenter.finish())


def test_vad_cuts_utterances_and_keeps_the_first_syllable(vad_model):
    speech = speak("pick up the red cube", "en-us", 170)
    onset = int(np.argmax(np.abs(speech) > 0.02))
    gap = np.zeros(16000, np.float32)
    stream = np.concatenate([gap, speech, gap, speak("stop", "en-gb"), gap])
    utterances = _feed(Segmenter(VadConfig(), vad_model), stream)
    assert len(utterances) == 2
    first = utterances[0]
    assert first.start_s <= (16000 + onset) / 16000 - 0.1  # pre-roll before the first sound
    assert np.allclose(first.audio[int((16000 + onset) / 1 - first.start_s * 16000):][:200],
                       speech[onset:onset + 200])
    assert first.end_s < 2.0 + len(speech) / 16000 and utterances[1].start_s > first.end_s


def test_vad_hears_nothing_in_silence_and_steady_noise(vad_model):
    rng = np.random.default_rng(0)
    for audio in (np.zeros(48000, np.float32), noise_only("white", 3, 0.05, rng), noise_only("fan", 3, 0.1, rng)):
        assert _feed(Segmenter(VadConfig(), vad_model), audio) == []


def test_long_speech_is_cut_at_the_maximum_utterance(vad_model):
    speech = np.concatenate([speak("put the blue cube on the plate and then push the green ball", "en-us", 120)] * 3)
    utterances = _feed(Segmenter(VadConfig(max_utterance_s=3.0, min_silence_s=1.0), vad_model), speech)
    assert len(utterances) >= 3 and all(u.duration_s <= 3.05 for u in utterances)
    assert any(u.truncated for u in utterances)


def test_spoken_answers_are_written_without_blocking(tmp_path):
    from vlm_agent.core.speech.tts import Speaker, TtsConfig
    speaker = Speaker(TtsConfig(output="wav", wav_dir=str(tmp_path)))
    started = time.perf_counter()
    assert speaker.say("I will pick up the red cube.") and speaker.say("Which cube: the left or the right one?")
    assert time.perf_counter() - started < 0.05  # the caller never waits for synthesis
    assert speaker.wait_idle(20)
    assert [s.error for s in speaker.spoken] == ["", ""]
    from vlm_agent.core.speech.sources import read_wav_16k
    audio, _ = read_wav_16k(speaker.spoken[0].wav)
    assert len(audio) > 16000 * 0.8 and np.abs(audio).max() > 0.1
    speaker.close()


def test_a_missing_tts_program_is_named():
    from vlm_agent.core.speech.tts import Speaker, TtsConfig
    with pytest.raises(InputError, match="'no-such-tts' not found"):
        Speaker(TtsConfig(output="wav", wav_command="no-such-tts -o {wav} {text}"))


def test_transcribe_cli_prints_one_json_object(tmp_path, capsys):
    from vlm_agent.cli import main
    speech = speak("put the blue ball on the plate", "en-gb", 160)
    stereo_44k = np.repeat(np.stack([speech, speech], axis=1), 1, axis=0)
    from scipy.signal import resample_poly
    path = write_wav(tmp_path / "command.wav", resample_poly(stereo_44k, 441, 160, axis=0).astype(np.float32),
                     44100)
    with pytest.raises(SystemExit) as code:
        main(["transcribe", str(path)])
    result = json.loads(capsys.readouterr().out)
    assert code.value.code == 0
    assert result["text"].lower().strip(".") == "put the blue ball on the plate"
    assert result["language"] == "en" and result["confidence"] > 0.6 and result["latency_ms"] > 0
    assert len(result["segments"]) == 1 and 0.0 <= result["segments"][0]["start"] < result["segments"][0]["end"]


def test_transcribe_cli_errors_for_bad_and_empty_audio(tmp_path, capsys):
    from vlm_agent.cli import main
    (tmp_path / "empty.wav").write_bytes(b"")
    write_wav(tmp_path / "silence.wav", np.zeros(32000, np.float32))
    for name, expected in (("empty.wav", "empty file"), ("silence.wav", "no speech found in 2.0 s")):
        with pytest.raises(SystemExit) as code:
            main(["transcribe", str(tmp_path / name)])
        result = json.loads(capsys.readouterr().out)
        assert code.value.code == 1 and expected in result["error"] and result["text"] == ""
