"""`vlm-agent transcribe` and `listen`, and the --voice flags of `demo` and `launch`; what they run
lives in vlm_agent/voice_cli.py (imported only when they run)."""
from __future__ import annotations

import json


def add_commands(sub, demo, launch) -> None:
    transcribe = sub.add_parser("transcribe", help="transcribe a WAV file (any rate, any channels): one JSON object "
                                "{text, confidence, language, segments, latency_ms}; exit 1 when nothing was heard")
    transcribe.add_argument("file")
    transcribe.add_argument("--recognizer", default="whisper", choices=("whisper", "sphinx"))
    transcribe.add_argument("--no-snap", action="store_true", help="no command_text (the text snapped to the "
                            "robot's vocabulary)")
    transcribe.set_defaults(func=cmd_transcribe)
    listen = sub.add_parser("listen", help="send what the microphone (or a WAV file/folder) hears into the running "
                            "graph; print each command and the agent's answer")
    source = listen.add_mutually_exclusive_group()
    source.add_argument("--device", default=None, help="microphone index or name (default: the system's)")
    source.add_argument("--file", default=None, help="WAV file or folder of WAV files instead of a microphone")
    listen.add_argument("--recognizer", default="whisper", choices=("whisper", "sphinx"))
    listen.add_argument("--activation", default="always_on", choices=("always_on", "wake_phrase"))
    listen.add_argument("--min-confidence", type=float, default=0.65)
    listen.add_argument("--no-snap", action="store_true", help="act on the words as heard, not snapped to the "
                        "robot's vocabulary")
    listen.add_argument("--speak", action="store_true", help="speak the answers (espeak-ng)")
    listen.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for each answer")
    listen.add_argument("--startup-timeout", type=float, default=60.0, help="seconds to wait for the running graph "
                        "to answer a probe command")
    listen.set_defaults(func=cmd_listen)
    demo.add_argument("--voice", nargs="?", const="", default=None, metavar="WAV",
                      help="speak the demo commands (a WAV file/folder of spoken commands, default: espeak-ng "
                      "renders them) and send them through the voice pipeline")
    launch.add_argument("--voice", action="store_true", help="also start the voice and speech nodes")


def cmd_transcribe(args) -> int:
    from ..core.speech.transcribe import transcribe_or_error
    result = transcribe_or_error(args.file, args.recognizer, snap=not args.no_snap)
    print(json.dumps(result, ensure_ascii=False))
    return 1 if result["error"] else 0


def cmd_listen(args) -> int:
    from ..voice_cli import run_listen
    return run_listen(args)
