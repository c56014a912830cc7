"""The JSGF command grammar for the pocketsphinx recogniser, built from the parser's vocabulary."""
from __future__ import annotations

from ..language.vocabulary import CATEGORY_SYNONYMS, COLOR_WORDS, SIZE_WORDS

ACTIONS = ("pick up", "grab", "take", "lift", "get", "push", "point at", "look at", "find", "put", "place", "move")
RELATIONS = ("on", "onto", "in", "into", "next to", "near", "left of", "right of", "to the left of",
             "to the right of", "in front of", "behind")
STOPS = ("stop", "halt", "freeze", "emergency stop")
CATEGORIES = ("cube", "block", "box", "sphere", "ball", "cylinder", "can", "plate", "tray", "cup", "mug", "bottle",
              "bowl", "object")


def command_grammar() -> str:
    colours = sorted(c for c in COLOR_WORDS if c.isalpha())
    sizes = sorted(s for s in SIZE_WORDS if s in ("small", "large", "big", "little"))
    nouns = [c for c in CATEGORIES if c in CATEGORY_SYNONYMS or any(c in s for s in CATEGORY_SYNONYMS.values())]
    return "\n".join([
        "#JSGF V1.0;",
        "grammar commands;",
        "public <utterance> = [robot] (<stop> | [please] <action> <object> [<destination>]);",
        f"<stop> = {' | '.join(STOPS)};",
        f"<action> = {' | '.join(ACTIONS)};",
        "<object> = the [<size>] [<colour>] <noun>;",
        f"<destination> = ({' | '.join(RELATIONS)}) <object>;",
        f"<size> = {' | '.join(sizes)};",
        f"<colour> = {' | '.join(colours)};",
        f"<noun> = {' | '.join(nouns)};",
    ]) + "\n"
