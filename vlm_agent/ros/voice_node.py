"""Voice node: audio (AudioChunk topic, microphone or WAV file) -> utterances -> transcripts ->
Command (source voice) on vlm_agent/command_in; a stop word goes straight to vlm_agent/halt and
the guard's stop path; anything not understood gets "Sorry, I did not catch that" on
vlm_agent/explanation. Every decision is published as JSON on vlm_agent/voice/heard and audited."""
from __future__ import annotations

import json
import threading
import time
import uuid

from std_msgs.msg import Header, String
from std_srvs.srv import SetBool

from vlm_agent.core.errors import InputError
from vlm_agent.core.safety.audit import AuditLog
from vlm_agent.core.settings.nodes import VoiceSettings
from vlm_agent.core.speech.activation import COMMAND, REJECTED, SORRY, STOP, ActivationConfig
from vlm_agent.core.speech.listener import Listener, guard_allows
from vlm_agent.core.speech.recognizer import create_recognizer
from vlm_agent.core.speech.snapping import SnapConfig
from vlm_agent.core.speech.sources import ChunkStream, MicrophoneSource, WavSource, wav_files
from vlm_agent.core.speech.vad import VadConfig
from vlm_agent.msg import AudioChunk, Command, Explanation, GroundingResult, Status

from .common import EVENTS_QOS, run
from .conversions import audio_from_ros, object_names_from_ros
from .lifecycle import ACTIVE, ManagedNode

AUDIO_QOS = EVENTS_QOS  # every chunk matters: a lost chunk is a lost syllable


class VoiceNode(ManagedNode):
    settings_class = VoiceSettings

    def __init__(self, **node_options):
        super().__init__("voice", **node_options)
        self.listener, self._worker, self._stop = None, None, threading.Event()
        self.chunks = ChunkStream()

    def configure_node(self):
        s = self.settings
        self.source, self.device, self.file = s.source, s.device, s.file
        activation = ActivationConfig(mode=s.activation, wake_phrase=s.wake_phrase, min_confidence=s.min_confidence,
                                      max_no_speech_prob=s.max_no_speech_prob)
        vad = VadConfig(threshold=s.vad_threshold, min_silence_s=s.min_silence_s, pre_roll_s=s.pre_roll_s,
                        max_utterance_s=s.max_utterance_s)
        # no recogniser or VAD model: configure fails and says why; nothing will be heard
        snap = SnapConfig(s.snap_to_vocabulary, s.snap_max_distance, s.snap_min_margin)
        self.listener = Listener(create_recognizer(s.recognizer, s.model_path, s.threads), activation, vad, snap=snap,
                                 allowed=guard_allows() if snap.enabled else None)
        self.audit = AuditLog(s.audit_log)
        self.session = uuid.uuid4().hex[:6]
        self.count = 0
        self.command_pub = self.create_lifecycle_publisher(Command, "vlm_agent/command_in", EVENTS_QOS)
        self.halt_pub = self.create_publisher(Command, "vlm_agent/halt", EVENTS_QOS)
        self.explanation_pub = self.create_lifecycle_publisher(Explanation, "vlm_agent/explanation", EVENTS_QOS)
        self.heard_pub = self.create_lifecycle_publisher(String, "vlm_agent/voice/heard", EVENTS_QOS)
        self.create_subscription(GroundingResult, "vlm_agent/grounding", self._on_result, EVENTS_QOS)
        self.create_service(SetBool, "vlm_agent/voice/talk", self._on_talk)
        self._last_audio_error = 0.0
        if self.source == "topic":
            self.create_subscription(AudioChunk, s.audio_topic, self._on_audio, AUDIO_QOS)

    def activate_node(self):
        s = self.settings
        self._stop.clear()
        self.chunks = ChunkStream()
        self._worker = threading.Thread(target=self._work, name="voice-listener", daemon=True)
        self._worker.start()
        self.report(Status.INFO, f"voice ready: {s.recognizer}, {s.activation}, source {self.source}"
                    + (f" '{s.audio_topic}'" if self.source == "topic" else ""))

    def deactivate_node(self):
        """Stop listening: the worker ends after its current block; audio arriving now is dropped."""
        self._stop.set()
        self.chunks.close()
        if self._worker is not None:
            self._worker.join(timeout=5.0)
        self._worker = None

    def cleanup_node(self):
        self.listener = None
        if getattr(self, "audit", None) is not None:
            self.audit.close()

    def diagnostic_values(self) -> dict[str, str]:
        return {"recognizer loaded": str(self.listener is not None).lower(),
                "dropped audio chunks": str(self.chunks.dropped)}

    def _on_audio(self, msg: AudioChunk):
        if self.lifecycle_state != ACTIVE:
            return
        self.health.saw_input("audio", self.now_s())
        if not msg.data:
            self.chunks.mark_end()  # an empty chunk ends the stream: what is in progress is decided now
            return
        try:
            self.chunks.push(**audio_from_ros(msg), where="audio topic AudioChunk")
        except InputError as exc:
            if time.monotonic() - self._last_audio_error > 5.0:  # one report per burst of bad chunks
                self._last_audio_error = time.monotonic()
                self.report(Status.WARN, f"{exc}; chunk ignored")

    def _on_talk(self, request, response):
        if self.lifecycle_state != ACTIVE:
            response.success, response.message = False, f"voice node is {self.lifecycle_state}, not listening"
            return response
        self.listener.set_talking(bool(request.data))
        if not request.data:
            self.chunks.mark_end()  # released: the utterance ends now, no waiting for silence
        response.success, response.message = True, "listening" if request.data else "released"
        return response

    def _on_result(self, msg: GroundingResult):
        names = object_names_from_ros(msg)
        if names and self.listener is not None:
            self.listener.recognizer.set_scene_objects(names[:20])

    def _work(self):
        try:
            if self.source == "topic":
                self._consume(self.chunks.blocks())
            elif self.source == "microphone":
                with MicrophoneSource(self.device or None) as microphone:
                    self.chunks = microphone.chunks
                    self._consume(microphone.chunks.blocks())
            else:
                for path in wav_files(self.file):
                    if self._stop.is_set():
                        return
                    source = WavSource(path)
                    for warning in source.warnings:
                        self.report(Status.WARN, warning)
                    self._consume(_paced(source), end=True)
                self._publish_heard({"event": "end_of_file", "file": self.file})
        except InputError as exc:
            self.report(Status.ERROR, f"voice input failed: {exc}")
        except Exception as exc:  # the worker reports and stops; no command is ever made up
            self.report(Status.ERROR, f"voice worker failed: {exc!r}")

    def _consume(self, blocks, end: bool = False):
        for block in blocks:
            if self._stop.is_set():  # deactivated: what is in progress is dropped, never acted on
                return
            if block is ChunkStream.END:
                self._decide_all(self.listener.finish())
                self._publish_heard({"event": "end_of_stream", "dropped_chunks": self.chunks.dropped})
                continue
            self._decide_all(self.listener.feed(block, live=True))
            for warning in self.chunks.warnings:
                self.report(Status.WARN, warning)
            self.chunks.warnings.clear()
        if end:
            self._decide_all(self.listener.finish())

    def _decide_all(self, heard_items):
        for heard in heard_items:
            self._act(heard)

    def _act(self, heard):
        self.count += 1
        command_id = f"voice-{self.session}-{self.count}"
        decision = heard.decision
        header_stamp = self.get_clock().now().to_msg()
        if decision.kind == STOP:
            halt = Command(id=command_id + "-halt", text=f"stop (voice: '{heard.transcript.text[:80]}')",
                           source=Command.SOURCE_VOICE)
            halt.header.stamp = header_stamp
            self.halt_pub.publish(halt)  # the executor stops now, whatever the rest of the graph is doing
        if decision.kind in (STOP, COMMAND):
            command = Command(id=command_id, text=decision.text, source=Command.SOURCE_VOICE)
            command.header.stamp = header_stamp
            self.command_pub.publish(command)  # a stop here is the guard's stop path: pending commands end halted
        elif decision.kind == REJECTED:
            self.explanation_pub.publish(Explanation(header=Header(stamp=header_stamp), command_id=command_id,
                                                     stage="voice", text=SORRY))
        record = {"command_id": command_id, **heard.as_dict()}
        self.audit.record(stage="voice", **record)
        self._publish_heard(record)

    def _publish_heard(self, record: dict):
        self.heard_pub.publish(String(data=json.dumps(record, ensure_ascii=False)))

    def destroy_node(self):
        self._stop.set()
        self.chunks.close()
        super().destroy_node()


def _paced(source):
    """File blocks at the pace they were recorded (live latency, bounded memory)."""
    started = time.monotonic()
    played = 0.0
    for block in source:
        played += len(block) / 16000
        time.sleep(max(0.0, started + played - time.monotonic()))
        yield block


def main(args=None):
    run(VoiceNode, args)


if __name__ == "__main__":
    main()
