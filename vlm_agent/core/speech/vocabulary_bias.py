"""Words the recogniser should expect: the command parser's vocabulary and the scene's objects.

Whisper copies the style of its initial prompt, so the prompt is a few full example commands
(a list of bare words made it drop articles: "pick up, red cube.") followed by the scene's names."""
from __future__ import annotations

from ..language.vocabulary import ACTION_WORDS, CATEGORY_SYNONYMS, COLOR_WORDS, SIZE_WORDS
from ..safety.stop_intent import STOP_WORDS

EXAMPLES = ("Pick up the red cube.", "Put the blue ball on the plate.", "Grab the white box.",
            "Push the green block next to the orange can.", "Point at the yellow sphere.", "Stop.")
MAX_PROMPT_WORDS = 60  # Whisper's prompt takes at most 224 tokens; short prompts decode faster


def vocabulary_words() -> list[str]:
    """Every single word the parser acts on (actions, colours, sizes, categories) and the stop words."""
    words: set[str] = set()
    for phrase in list(ACTION_WORDS) + list(COLOR_WORDS) + list(SIZE_WORDS):
        words.update(phrase.split())
    for synonyms in CATEGORY_SYNONYMS.values():
        for synonym in synonyms:
            words.update(synonym.split())
    words.update(w for w in STOP_WORDS if w.isascii() and w in ("stop", "halt", "freeze"))
    return sorted(words)


def initial_prompt(scene_objects: list[str] | tuple[str, ...] = ()) -> str:
    prompt = " ".join(EXAMPLES)
    names = [n.replace("_", " ") for n in dict.fromkeys(scene_objects) if n]
    if names:
        prompt += " On the table: " + ", ".join(names) + "."
    words = prompt.split()
    return " ".join(words[:MAX_PROMPT_WORDS])

