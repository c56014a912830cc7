"""Speech node: speaks the graph's explanations (planner, guard, voice) with a TTS command
(espeak-ng by default) off the executor thread; plays them where an audio device exists and
writes WAV files otherwise. Each spoken answer is reported as JSON on vlm_agent/speech/spoken."""
from __future__ import annotations

import json

from std_msgs.msg import String

from vlm_agent.core.errors import InputError
from vlm_agent.core.settings.nodes import SpeechSettings
from vlm_agent.core.speech.tts import Speaker, Spoken, TtsConfig
from vlm_agent.msg import Explanation, Status

from .common import EVENTS_QOS, AgentNode, run


class SpeechNode(AgentNode):
    settings_class = SpeechSettings

    def __init__(self, **node_options):
        super().__init__("speech", **node_options)
        s = self.settings
        config = TtsConfig(output=s.output, voice=s.voice, rate=s.rate, play_command=s.play_command,
                           wav_command=s.wav_command, wav_dir=s.wav_dir)
        self.stages = set(s.stages)
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
