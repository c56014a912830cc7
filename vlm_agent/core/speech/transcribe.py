"""`vlm-agent transcribe FILE.wav`: a whole file, streamed, cut into utterances by the VAD and
transcribed one utterance at a time (memory stays bounded for hours of audio). `command_text` is
the text snapped to the robot's vocabulary as the listener would act on it (snapping.py)."""
from __future__ import annotations

import time
from pathlib import Path

from ..errors import InputError
from .audio import clipping_problem
from .listener import scene_words_of, snap_transcript
from .snapping import VocabularySnapper
from .sources import WavSource
from .vad import Segmenter


def transcribe_file(path: str | Path, recognizer, segmenter: Segmenter | None = None,
                    snapper: VocabularySnapper | None = None) -> dict:
    """{text, confidence, language, segments: [{start, end, text}], latency_ms, duration_s, warnings,
    error}, and with a `snapper` command_text and snapped ["heard->snapped", ...]; `error` is '' unless
    nothing usable was heard. Raises InputError for unreadable files."""
    started = time.perf_counter()
    source = WavSource(path)
    segmenter = segmenter or Segmenter()
    warnings, segments, texts, commands, snaps = list(source.warnings), [], [], [], []
    weighted, total, language, recognise_ms, clipped = 0.0, 0.0, "en", 0.0, 0

    def take(utterance):
        nonlocal weighted, total, language, recognise_ms, clipped
        problem = clipping_problem(utterance.audio)
        if problem:
            clipped += 1
            warnings.append(f"{utterance.start_s:.1f}-{utterance.end_s:.1f} s: {problem}")
            return
        transcript = recognizer.transcribe(utterance.audio)
        recognise_ms += transcript.latency_ms
        if not transcript.text:
            return
        language = transcript.language
        texts.append(transcript.text)
        snapped = snap_transcript(snapper, transcript, scene_words_of(getattr(recognizer, "scene_objects", ())))
        commands.append(snapped.text)
        snaps.extend(map(str, snapped.snaps))
        weighted += transcript.confidence * utterance.duration_s
        total += utterance.duration_s
        for s in transcript.segments:
            segments.append({"start": round(utterance.start_s + s.start, 2),
                             "end": round(min(utterance.start_s + s.end, utterance.end_s + 0.3), 2), "text": s.text})

    for block in source:
        for utterance in segmenter.feed(block):
            take(utterance)
    for utterance in segmenter.finish():
        take(utterance)
    duration = source.format.duration_s
    error = ""
    if not texts:
        error = (f"{path}: every utterance was clipped; lower the input gain" if clipped else
                 f"{path}: no speech found in {duration:.1f} s of audio")
    result = {"text": " ".join(texts), "confidence": round(weighted / total, 3) if total else 0.0,
            "language": language, "segments": segments,
            "latency_ms": round((time.perf_counter() - started) * 1000, 1),
            "recognition_ms": round(recognise_ms, 1), "duration_s": round(duration, 2),
            "warnings": warnings, "error": error}
    if snapper is not None:
        result.update(command_text=" ".join(commands), snapped=snaps)
    return result


def transcribe_or_error(path: str | Path, recognizer_name: str = "whisper", snap: bool = True) -> dict:
    from .recognizer import create_recognizer
    from .wav import iter_wav_blocks
    try:
        iter_wav_blocks(path)  # a bad file is refused before the model loads
        return transcribe_file(path, create_recognizer(recognizer_name), snapper=VocabularySnapper() if snap else None)
    except InputError as exc:
        return {"text": "", "confidence": 0.0, "language": "", "segments": [], "latency_ms": 0.0,
                "warnings": [], "error": str(exc)}
