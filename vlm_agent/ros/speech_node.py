"""Speech node: speaks the graph's explanations (planner, guard, voice) with a TTS command
(espeak-ng by default) off the executor thread; plays them where an audio device exists and
writes WAV files otherwise. Each spoken answer is reported as JSON on vlm_agent/speech/spoken."""
from __future__ import annotations

import json

from std_msgs.msg import String

from vlm_agent.core.errors import InputError
from vlm_agent.core.speech.tts import DEFAULT_PLAY, DEFAULT_WAV, Speaker, Spoken, TtsConfig
from vlm_agent.msg import Explanation, Status

from .common import EVENTS_QOS, AgentNode, run


class SpeechNode(AgentNode):
    def __init__(self, **node_options):
        super().__init__("speech", **node_options)
        config = TtsConfig(
            output=self.param("output", "auto", "auto (play if an audio device exists, else WAV), play or wav."),
            voice=self.param("voice", "en-us", "TTS voice."),
            rate=self.param("rate", 170, "Words per minute."),
            play_command=self.param("play_command", DEFAULT_PLAY, "Command that speaks {text} aloud."),
            wav_command=self.param("wav_command", DEFAULT_WAV, "Command that writes {text} to {wav}."),
            wav_dir=self.param("wav_dir", "~/.vlm_agent/speech", "Folder for WAV files."))
        self.stages = set(self.param("stages", ["planner", "guard", "voice"], "Explanation stages spoken."))
        self.spoken_pub = self.create_publisher(String, "vlm_agent/speech/spoken", EVENTS_QOS)
        try:
            self.speaker = Speaker(config, on_done=self._on_spoken)
        except InputError as exc:
            self.speaker = None
            self.report(Status.ERROR, f"spoken answers off: {exc}")
            return
        self.create_subscription(Explanation, "vlm_agent/explanation", self._on_explanation, EVENTS_QOS)
        self.report(Status.INFO, f"speech ready: {'playing' if self.speaker.playing else 'writing WAV files to '}"
                    f"{'' if self.speaker.playing else self.speaker.wav_dir}")

    def _on_explanation(self, msg: Explanation):
        if msg.stage in self.stages and not self.speaker.say(msg.text):
            self.report(Status.WARN, f"speech queue full; not spoken: '{msg.text[:80]}'")

    def _on_spoken(self, spoken: Spoken):
        self.spoken_pub.publish(String(data=json.dumps({"text": spoken.text, "wav": str(spoken.wav or ""),
                                                        "error": spoken.error})))
        if spoken.error:
            self.report(Status.WARN, f"speaking failed: {spoken.error}")

    def destroy_node(self):
        if self.speaker is not None:
            self.speaker.close()
        super().destroy_node()


def main(args=None):
    run(SpeechNode, args)


if __name__ == "__main__":
    main()
