"""vlm-agent: ground, guard, render, demo and launch from the command line."""
from __future__ import annotations

import argparse
import sys

from . import graph, models, perception, safety, tasks, voice
from .perception import backend_settings_from_args
from .settings_flags import add_settings_flags

__all__ = ["add_settings_flags", "backend_settings_from_args", "build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vlm-agent", description=__doc__)
    sub = parser.add_subparsers(dest="command_name", required=True)
    perception.add_commands(sub)
    safety.add_commands(sub)
    tasks.add_commands(sub)
    models.add_commands(sub)
    demo, launch = graph.add_commands(sub)
    voice.add_commands(sub, demo, launch)
    return parser


def main(argv=None) -> None:
    args = build_parser().parse_args(argv)
    sys.exit(args.func(args))
