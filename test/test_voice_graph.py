"""Spoken commands through the launched graph (separate processes over DDS): the voice node hears
AudioChunks, the guard, grounding, planner and simulator do the rest."""
import numpy as np
import pytest
from ros_helpers import assert_graph_ready, rclpy

from vlm_agent.core.speech.test_signals import mix, noise_only, speak
from vlm_agent.launcher import Graph
from vlm_agent.ros.voice_client import VoiceClient

pytestmark = [pytest.mark.ros, pytest.mark.slow]  # each starts the whole graph


@pytest.fixture(scope="module")
def graph(tmp_path_factory):
    logs = tmp_path_factory.mktemp("voice_graph_logs")
    audit = tmp_path_factory.mktemp("voice_audit") / "voice.jsonl"
    speech_dir = tmp_path_factory.mktemp("speech")
    overrides = {"voice": {"audit_log": str(audit)}, "speech": {"output": "wav", "wav_dir": str(speech_dir)},
                 "sim": {"speedup": 1.0}}  # plans run in real time, so a spoken stop comes while one moves
    with Graph(use_sim=True, log_dir=logs, voice=True, overrides=overrides) as running, rclpy.init():
        client = VoiceClient("voice_graph_test_client")
        assert_graph_ready(client, running, ("sim", "guard", "grounding", "planner", "voice", "speech"))
        assert client.wait_for_voice(60), running.report()
        assert client.spin_until(lambda: client.scene_state is not None, 30)
        yield running, client, audit, speech_dir
        client.destroy_node()


def _position(state, name):
    p = next(o for o in state.objects if o.name == name).pose.pose.position
    return np.array([p.x, p.y, p.z])


def test_noise_only_makes_no_command(graph):
    running, client, audit, _ = graph
    rng = np.random.default_rng(13)
    audio = np.concatenate([noise_only("white", 2.0, 0.05, rng), noise_only("fan", 2.0, 0.05, rng)])
    commands_before = len(client.traces)
    heard = client.said(audio, realtime=False)  # the voice node acknowledged the end of this audio
    assert all(h["decision"] not in ("command", "stop") for h in heard), heard
    assert len(client.traces) == commands_before
    assert client.scene_state.plans_executed == 0


def test_spoken_pick_up_the_red_cube_is_executed_in_the_sim(graph):
    running, client, audit, speech_dir = graph
    red_before = _position(client.scene_state, "red_cube")
    audio = mix(speak("pick up the red cube", "en-gb", 165, 45), "babble", 20, np.random.default_rng(1))
    heard = client.said(audio, realtime=True)
    commands = [h for h in heard if h["decision"] == "command"]
    assert len(commands) == 1 and commands[0]["command"].lower() == "pick up the red cube", heard
    trace = client.traces[commands[0]["command_id"]]
    assert client.spin_until(lambda: trace.finished_at is not None, 60), trace.status
    assert trace.status == "executed", trace.message
    assert client.spin_until(lambda: client.scene_state.plans_executed >= 1, 20)
    assert client.scene_state.held_object == "red_cube"
    assert _position(client.scene_state, "red_cube")[2] > red_before[2] + 0.1
    assert commands[0]["command_id"] in audit.read_text()
    # the planner's explanation was spoken (written to a WAV file: no audio device in tests)
    assert client.spin_until(lambda: any(speech_dir.glob("*.wav")), 20)


def test_spoken_stop_during_a_plan_halts_the_sim(graph):
    running, client, _, _ = graph
    trace = client.send("put the blue cube on the plate")
    assert client.spin_until(lambda: any(e.state == "executing" for e in trace.executions), 60), trace.status
    stop = speak("stop", "en-us", 170, 50)
    heard = client.said(np.concatenate([np.zeros(4000, np.float32), stop, np.zeros(8000, np.float32)]),
                        realtime=True)
    assert [h["decision"] for h in heard] == ["stop"], heard
    assert client.spin_until(lambda: any(e.state == "halted" for e in trace.executions), 10), \
        [(e.state, e.detail if hasattr(e, "detail") else "") for e in trace.executions]
    assert client.spin_until(lambda: trace.finished_at is not None, 10)
    assert trace.status == "halted", trace.message


def test_mumbled_audio_gets_sorry_and_no_command(graph):
    running, client, _, _ = graph
    rng = np.random.default_rng(5)
    audio = noise_only("babble", 3.0, 0.1, rng)
    heard = client.said(audio, realtime=False)
    assert heard and all(h["decision"] in ("rejected", "ignored") for h in heard), heard
    ids = {h["command_id"] for h in heard if h["decision"] == "rejected"}
    assert ids
    assert client.spin_until(lambda: ids <= {e.command_id for e in client.voice_explanations}, 10)
    assert all(e.text == "Sorry, I did not catch that." for e in client.voice_explanations
               if e.command_id in ids)


def test_listen_cli_sends_a_wav_file_into_the_running_graph(graph, tmp_path):
    import subprocess
    import sys
    from vlm_agent.core.speech.wav import write_wav
    running, client, _, _ = graph
    path = write_wav(tmp_path / "question.wav", mix(speak("pick up the purple cube", "en-us", 150), "fan", None,
                                                    np.random.default_rng(2)))
    done = subprocess.run([sys.executable, "-m", "vlm_agent.cli", "listen", "--file", str(path)],
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    assert "> pick up the purple cube" in [x.lower() for x in lines], lines
    assert any(x.strip().startswith("outcome: answered") for x in lines), lines  # not found: nothing moves
    assert any(x.strip().startswith("planner: I will not move") and "no purple cube" in x for x in lines), lines
