"""Is a command a request to stop the robot? Checked before anything else, so a stop skips the
command queue, the guard's models and grounding.

A stop command is a stop verb with nothing to act on: "stop", "halt!", "emergency stop",
"robot, freeze now", "please stop moving", "stop everything". "stop the cube from rolling"
names an object and is an ordinary command.
"""
from __future__ import annotations

import re
import unicodedata

STOP_WORDS = {"stop", "halt", "freeze", "abort", "estop", "stopp", "arrete", "arretez", "alto", "detente",
              "detengase", "para", "parar", "basta", "ferma", "fermati", "anhalten", "nothalt"}
STOP_PHRASES = ("emergency stop", "e stop", "stop stop", "cancel everything", "cancel that", "cancel the plan",
)
# words that may surround a stop verb without naming something to act on
ALLOWED_AROUND = {"please", "robot", "hey", "ok", "okay", "now", "right", "immediately", "at", "once", "all",
                  "everything", "moving", "motion", "movement", "the", "it", "that", "this", "you", "yourself",
                  "arm", "gripper", "emergency", "e", "just", "sofort", "bitte", "ya", "maintenant", "tout",
                  "subito", "wait", "no", "dont", "do", "not", "go", "on", "there", "whoa", "woah", "hold"}
MAX_WORDS = 8


def _words(text: str) -> list[str]:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    text = text.replace("e-stop", "estop").replace("'", "")
    return re.findall(r"[a-z]+", text)


def is_stop_command(text: str) -> bool:
    if not isinstance(text, str):
        return False
    words = _words(text)
    if not words or len(words) > MAX_WORDS:
        return False
    joined = " ".join(words)
    if not any(w in STOP_WORDS for w in words) and not any(p in joined for p in STOP_PHRASES):
        return False
    if "cancel" in words and any(p in joined for p in STOP_PHRASES):
        words = [w for w in words if w not in ("cancel", "everything", "that", "plan")]
    return all(w in STOP_WORDS or w in ALLOWED_AROUND for w in words)
