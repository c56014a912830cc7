"""The voice node alone over real DDS: push-to-talk, stop words while the button is up, malformed
AudioChunks, and a WAV file source."""
import json

import numpy as np
import pytest
from ros_helpers import bring_up, rclpy, spin_until
from rclpy.executors import SingleThreadedExecutor
from rclpy.parameter import Parameter
from std_msgs.msg import Header, String
from std_srvs.srv import SetBool

from vlm_agent.core.speech.test_signals import speak
from vlm_agent.core.speech.wav import write_wav
from vlm_agent.msg import AudioChunk, Command, Status
from vlm_agent.ros.common import EVENTS_QOS, LATCHED_QOS
from vlm_agent.ros.conversions import audio_to_ros

pytestmark = [pytest.mark.ros, pytest.mark.slow]  # Whisper runs in this process


class Harness:
    def __init__(self, node):
        self.tester = rclpy.create_node("voice_tester")
        self.got = {"command_in": [], "halt": [], "heard": [], "status": []}
        for topic, kind in (("vlm_agent/command_in", Command), ("vlm_agent/halt", Command)):
            self.tester.create_subscription(kind, topic, self.got[topic.split("/")[-1]].append, EVENTS_QOS)
        self.tester.create_subscription(String, "vlm_agent/voice/heard",
                                        lambda m: self.got["heard"].append(json.loads(m.data)), EVENTS_QOS)
        self.tester.create_subscription(Status, "vlm_agent/status", self.got["status"].append, LATCHED_QOS)
        self.audio = self.tester.create_publisher(AudioChunk, "audio", EVENTS_QOS)
        self.talk = self.tester.create_client(SetBool, "vlm_agent/voice/talk")
        self.executor = SingleThreadedExecutor()
        self.executor.add_node(node)
        self.executor.add_node(self.tester)

    def until(self, condition, timeout=60):
        return spin_until(self.executor, condition, timeout)

    def say(self, audio, rate=16000, channels=1, encoding="S16LE"):
        before = sum(1 for h in self.got["heard"] if h.get("event") == "end_of_stream")
        assert self.until(lambda: self.audio.get_subscription_count() > 0, 10)
        step = int(0.064 * rate)
        for offset in range(0, len(audio), step):
            self.audio.publish(audio_to_ros(audio[offset:offset + step], rate, Header(), encoding))
        self.audio.publish(AudioChunk(sample_rate=rate, channels=channels, encoding=encoding, data=b""))
        assert self.until(lambda: sum(1 for h in self.got["heard"] if h.get("event") == "end_of_stream") > before)

    def press(self, down: bool):
        assert self.talk.wait_for_service(timeout_sec=10)
        future = self.talk.call_async(SetBool.Request(data=down))
        assert self.until(future.done, 10) and future.result().success


def _padded(text, voice="en-us"):
    return np.concatenate([np.zeros(6000, np.float32), speak(text, voice, 160), np.zeros(8000, np.float32)])


def test_push_to_talk_and_stop_words(ros, tmp_path):
    from vlm_agent.ros.voice_node import VoiceNode
    node = bring_up(VoiceNode(parameter_overrides=[Parameter("activation", value="push_to_talk"),
                                                   Parameter("audit_log", value=str(tmp_path / "audit.jsonl"))]))
    h = Harness(node)
    try:
        h.say(_padded("pick up the red cube"))  # button up: heard, not sent
        assert [r["decision"] for r in h.got["heard"] if "decision" in r] == ["ignored"] and not h.got["command_in"]
        h.say(_padded("stop"))                  # a stop is obeyed with the button up
        assert h.until(lambda: h.got["halt"] and h.got["command_in"], 10)
        assert h.got["command_in"][-1].text == "stop" and h.got["command_in"][-1].source == "voice"
        h.press(True)
        h.say(_padded("pick up the red cube"))
        assert h.until(lambda: len(h.got["command_in"]) == 2, 10)
        assert h.got["command_in"][-1].text.lower() == "pick up the red cube"
        assert len(h.got["halt"]) == 1
        audit = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
        assert [a["decision"] for a in audit] == ["ignored", "stop", "command"]
    finally:
        node.destroy_node()
        h.tester.destroy_node()


def test_malformed_chunks_are_reported_not_heard(ros, tmp_path):
    from vlm_agent.ros.voice_node import VoiceNode
    node = bring_up(VoiceNode(parameter_overrides=[Parameter("audit_log", value=str(tmp_path / "audit.jsonl"))]))
    h = Harness(node)
    try:
        assert h.until(lambda: h.audio.get_subscription_count() > 0, 10)
        h.audio.publish(AudioChunk(sample_rate=16000, channels=1, encoding="MP3", data=b"\x00\x01" * 100))
        assert h.until(lambda: any("encoding 'MP3'" in s.message and "audio topic" in s.message
                                   for s in h.got["status"]), 10)
        from scipy.signal import resample_poly
        h.say(resample_poly(_padded("push the green block"), 3, 1), rate=48000)  # resampled by the node
        assert h.until(lambda: h.got["command_in"], 10)
        assert h.got["command_in"][0].text.lower() == "push the green block"
    finally:
        node.destroy_node()
        h.tester.destroy_node()


def test_wav_file_source(ros, tmp_path):
    from scipy.signal import resample_poly
    from vlm_agent.ros.voice_node import VoiceNode
    path = write_wav(tmp_path / "phone.wav", resample_poly(_padded("point at the yellow sphere"), 1, 2), 8000)
    node = bring_up(VoiceNode(parameter_overrides=[Parameter("source", value="file"), Parameter("file", value=str(path)),
                                                   Parameter("audit_log", value=str(tmp_path / "audit.jsonl"))]))
    h = Harness(node)
    try:
        assert h.until(lambda: any(r.get("event") == "end_of_file" for r in h.got["heard"]), 60)
        assert h.until(lambda: h.got["command_in"], 5)
        assert h.got["command_in"][0].text.lower() == "point at the yellow sphere"
        assert any("8000 Hz" in s.message for s in h.got["status"])
    finally:
        node.destroy_node()
        h.tester.destroy_node()
