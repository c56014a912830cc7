"""`vlm-agent guard`: check commands with the safety guard, one or a stream of them."""
from __future__ import annotations

import json
import sys

EXIT_ALLOWED, EXIT_ERROR, EXIT_REFUSED = 0, 1, 3  # 2 is argparse's usage error
GUARD_EXIT_CODES = ("exit status: 0 every command allowed, 3 at least one refused, 1 the guard could not load, "
                    "2 usage error")


def add_commands(sub) -> None:
    guard = sub.add_parser("guard", help="check a command with the safety guard", epilog=GUARD_EXIT_CODES)
    guard.add_argument("text", help="the command, or - to read one command per line from stdin (one JSON object "
                       "per line out)")
    guard.add_argument("--config", default=None, help="guard configuration (default config/guard.yaml)")
    guard.add_argument("--rules-only", action="store_true", help="skip the sentence-embedding layer")
    guard.set_defaults(func=cmd_guard)


def cmd_guard(args) -> int:
    from ..core.errors import InputError
    from ..core.safety.guard import CommandGuard, load_guard_config
    try:
        guard = CommandGuard(load_guard_config(args.config, embedding=not args.rules_only))
    except InputError as exc:
        print(json.dumps({"allowed": False, "category": "guard_error", "score": 1.0, "reason": str(exc)}, indent=2))
        return EXIT_ERROR
    if args.text != "-":
        verdict = guard.check(args.text)
        print(json.dumps(verdict.as_dict(), indent=2))
        return EXIT_ALLOWED if verdict.allowed else EXIT_REFUSED
    refused = False
    for line in sys.stdin:  # one command per line, one JSON object per line; the models load once
        text = line.rstrip("\r\n")
        if not text.strip():
            continue
        verdict = guard.check(text)
        refused |= not verdict.allowed
        print(json.dumps({"text": text, **verdict.as_dict()}, ensure_ascii=False), flush=True)
    return EXIT_REFUSED if refused else EXIT_ALLOWED
