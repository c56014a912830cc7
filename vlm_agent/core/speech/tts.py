"""Spoken answers: a TTS command (espeak-ng by default) run off the caller's thread.

`output` auto plays when PortAudio lists an output device and writes WAV files otherwise;
`wav` always writes files (tests, headless robots); `play` always plays."""
from __future__ import annotations

import queue
import shlex
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError

DEFAULT_PLAY = "espeak-ng -v {voice} -s {rate} {text}"
DEFAULT_WAV = "espeak-ng -v {voice} -s {rate} -w {wav} {text}"
OUTPUTS = ("auto", "play", "wav")


@dataclass(frozen=True)
class TtsConfig:
    output: str = "auto"
    play_command: str = DEFAULT_PLAY
    wav_command: str = DEFAULT_WAV
    voice: str = "en-us"
    rate: int = 170              # words per minute
    wav_dir: str = "~/.vlm_agent/speech"
    max_queue: int = 20
    timeout_s: float = 20.0

    def __post_init__(self):
        if self.output not in OUTPUTS:
            raise InputError(f"tts output '{self.output}' is not one of {', '.join(OUTPUTS)}")


def has_output_device() -> bool:
    try:
        import sounddevice
        return any(d["max_output_channels"] > 0 for d in sounddevice.query_devices())
    except Exception:  # no PortAudio library or no sound server: nothing to play on
        return False


@dataclass(frozen=True)
class Spoken:
    text: str
    wav: Path | None
    error: str = ""


class Speaker:
    """say() returns at once; a worker thread runs the command. Results go to `on_done`."""

    def __init__(self, config: TtsConfig = TtsConfig(), on_done=None):
        self.config = config
        self.playing = config.output == "play" or (config.output == "auto" and has_output_device())
        template = config.play_command if self.playing else config.wav_command
        program = shlex.split(template)[0]
        if shutil.which(program) is None:
            raise InputError(f"text-to-speech program '{program}' not found (apt-get install espeak-ng, or set "
                             "the tts command)")
        self.template = template
        self.wav_dir = Path(config.wav_dir).expanduser()
        self.on_done = on_done
        self.spoken: list[Spoken] = []
        self._queue: queue.Queue = queue.Queue(config.max_queue)
        self._count = 0
        self._thread = threading.Thread(target=self._work, daemon=True)
        self._thread.start()

    def say(self, text: str) -> bool:
        """False when the queue is full (the answer is dropped rather than blocking the caller)."""
        text = " ".join(str(text).split())
        if not text:
            return False
        try:
            self._queue.put_nowait(text)
            return True
        except queue.Full:
            return False

    def close(self, timeout: float = 5.0) -> None:
        self._queue.put(None)
        self._thread.join(timeout)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.02)
        return not self._queue.unfinished_tasks

    def command(self, text: str, wav: Path | None) -> list[str]:
        values = {"voice": self.config.voice, "rate": str(self.config.rate), "text": text,
                  "wav": str(wav) if wav else ""}
        return [part.format(**values) for part in shlex.split(self.template)]

    def _work(self) -> None:
        while True:
            text = self._queue.get()
            try:
                if text is None:
                    return
                self._speak(text)
            finally:
                self._queue.task_done()

    def _speak(self, text: str) -> None:
        wav = None
        if not self.playing:
            self.wav_dir.mkdir(parents=True, exist_ok=True)
            self._count += 1
            wav = self.wav_dir / f"{time.strftime('%Y%m%d-%H%M%S')}-{self._count:04d}.wav"
        try:
            done = subprocess.run(self.command(text, wav), capture_output=True, timeout=self.config.timeout_s)
            error = "" if done.returncode == 0 else f"exit {done.returncode}: {done.stderr.decode()[-300:]}"
        except (OSError, subprocess.TimeoutExpired) as exc:
            error = repr(exc)
        result = Spoken(text, wav if not error else None, error)
        self.spoken.append(result)
        del self.spoken[:-100]
        if self.on_done is not None:
            self.on_done(result)
