"""An AgentClient that talks: it publishes audio on the voice node's AudioChunk topic and follows
the commands the voice node makes of it (ids from vlm_agent/voice/heard) to their outcomes.
Used by `vlm-agent demo --voice`, the tests and bench/voice_bench.py."""
from __future__ import annotations

import json
import time

import numpy as np
from std_msgs.msg import Header, String

from vlm_agent.msg import AudioChunk, Explanation

from .client import AgentClient, CommandTrace
from .common import EVENTS_QOS
from .conversions import audio_to_ros

CHUNK_S = 0.064


class VoiceClient(AgentClient):
    def __init__(self, name: str = "vlm_agent_voice_client", audio_topic: str = "audio"):
        super().__init__(name)
        self.audio_pub = self.create_publisher(AudioChunk, audio_topic, EVENTS_QOS)
        self.heard: list[dict] = []
        self._unclaimed: dict[str, list] = {}
        self.create_subscription(String, "vlm_agent/voice/heard", self._on_heard, EVENTS_QOS)
        self.voice_explanations: list[Explanation] = []  # "Sorry, I did not catch that."
        self.create_subscription(Explanation, "vlm_agent/explanation", lambda m: m.stage == "voice" and
                                 self.voice_explanations.append(m), EVENTS_QOS)

    def _collect(self, kind: str):
        inner = super()._collect(kind)

        def callback(msg):
            if msg.command_id not in self.traces and msg.command_id.startswith("voice-"):
                self._unclaimed.setdefault(msg.command_id, []).append((kind, msg))
                if len(self._unclaimed) > 500:
                    self._unclaimed.pop(next(iter(self._unclaimed)))
            inner(msg)
        return callback

    def _on_heard(self, msg: String):
        record = json.loads(msg.data)
        record["received_at"] = time.perf_counter()
        self.heard.append(record)
        if record.get("decision") in ("command", "stop"):
            trace = CommandTrace(record["command_id"], record["command"], time.perf_counter(),
                                 sent_monotonic=time.monotonic())
            self.traces[trace.command_id] = trace
            for kind, late in self._unclaimed.pop(trace.command_id, []):
                self._collect(kind)(late)

    def wait_for_voice(self, timeout: float = 60.0) -> bool:
        return self.spin_until(lambda: self.audio_pub.get_subscription_count() > 0 and any(
            s.node.endswith("/voice") and "voice ready" in s.message for s in self.statuses), timeout)

    def say(self, samples: np.ndarray, sample_rate: int = 16000, realtime: bool = True, end: bool = True,
            on_chunk=None) -> float:
        """Publish the audio in 64 ms chunks (at the pace it would be spoken when `realtime`), then an
        empty chunk that ends the stream when `end`. Returns perf_counter() when the last chunk went out.
        `on_chunk(t_seconds)` is called after each chunk (e.g. to act at a given moment)."""
        step = int(CHUNK_S * sample_rate)
        started = time.perf_counter()
        for offset in range(0, len(samples), step):
            header = Header(stamp=self.get_clock().now().to_msg(), frame_id="microphone")
            self.audio_pub.publish(audio_to_ros(samples[offset:offset + step], sample_rate, header))
            if on_chunk is not None:
                on_chunk(offset / sample_rate)
            if realtime:
                due = started + (offset + step) / sample_rate
                self.spin_until(lambda: time.perf_counter() >= due, 5.0)
            else:
                rclpy_spin_briefly(self)
        sent = time.perf_counter()
        if end:
            self.audio_pub.publish(AudioChunk(header=Header(stamp=self.get_clock().now().to_msg()), sample_rate=16000,
                                              channels=1, encoding="S16LE", data=b""))
        return sent

    def said(self, samples: np.ndarray, timeout: float = 60.0, **kwargs) -> list[dict]:
        """say(), then wait for the voice node's acknowledgement that the stream ended; every
        decision it made about this audio."""
        before = len(self.heard)
        self.say(samples, end=True, **kwargs)
        done = self.spin_until(lambda: any(r.get("event") == "end_of_stream" for r in self.heard[before:]), timeout)
        if not done:
            raise TimeoutError(f"the voice node did not acknowledge the end of the audio within {timeout} s")
        return [r for r in self.heard[before:] if "decision" in r]


def rclpy_spin_briefly(node) -> None:
    import rclpy
    rclpy.spin_once(node, timeout_sec=0.0)
