"""Tags the words of a normalised command with the kinds of thing they name (living being, weapon,
safety system, ...) and the kinds of action (harm, throw, disable, ...): config/guard_lexicon.yaml
first, longest phrase first, then WordNet hypernyms for nouns the lexicon does not list."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..errors import InputError
from ..resources import data_file
from ..language.glossary import Glossary
from ..language.text_normalization import FUNCTION_WORDS
from ..language.wordnet import DEFAULT_WORDNET_DIR, WordNet

DETERMINERS = {"a", "an", "the", "this", "that", "these", "those", "my", "your", "his", "her", "its", "our",
               "their", "some", "any", "every", "each", "no"}
# kinds of thing the lexicon names; WordNet is not asked about such a word ("printer" is a machine here)
THINGS = {"weapon", "chemical", "hot", "heavy", "electric", "conductor", "suffocation", "appliance", "enclosure",
          "heating_appliance", "medicine",
          "food_drink", "liquid", "electronics", "property", "worthless", "safety_system", "microwave_hazard",
          "fire_starter", "not_living", "robot_part", "toxic_to_pets"}
AGENT_SUFFIXES = ("er", "or", "ers", "ors")
PARTICLES = {"over", "down", "off", "up", "out", "on", "in", "into", "away", "under", "open"}


@dataclass(frozen=True)
class Span:
    start: int  # index of the first word
    text: str
    tags: frozenset[str]  # "living", "weapon", ..., "verb:harm", "verb:disable", ...


class HarmLexicon:
    def __init__(self, path: str | Path | None = None, wordnet_dir: str = DEFAULT_WORDNET_DIR,
                 glossary_path: str | Path | None = None):
        path = Path(path) if path else data_file("config/guard_lexicon.yaml")
        glossary_path = Path(glossary_path) if glossary_path else data_file("config/guard_glossary.yaml")
        try:
            data = yaml.load(path.read_text(), Loader=yaml.BaseLoader)  # all strings: "on", "no" are words
            self.wordnet = WordNet(wordnet_dir)
            self.artifact = frozenset({self.wordnet.synset("artifact")})
            self.verb_roots = {kind: frozenset(self.wordnet.synset(word, int(sense), "v") for word, sense in synsets)
                               for kind, synsets in data["wordnet_verb_roots"].items()}
            self.roots = {kind: frozenset(self.wordnet.synset(word, int(sense)) for word, sense in synsets)
                          for kind, synsets in data["wordnet_roots"].items()}
            self.phrases: dict[tuple[str, ...], set[str]] = {}
            for kind, words in data["words"].items():
                self._add(words, kind)
            for kind, verbs in data["verbs"].items():
                self._add(verbs, kind if kind == "idiom_objects" else f"verb:{kind}")
            concepts = yaml.load(glossary_path.read_text(), Loader=yaml.BaseLoader)["glossary"]
            entries: dict[str, dict[str, str]] = {}
            for lang, by_concept in concepts.items():
                for english, words in by_concept.items():
                    for word in words:
                        entries.setdefault(lang, {}).setdefault(word, english)
            for lang, words in data["glossary"].items():  # the lexicon's own word list fills the gaps
                for word, english in words.items():
                    entries.setdefault(lang, {}).setdefault(word, english)
            self.glossary = Glossary(entries)
        except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError, IndexError) as exc:
            raise InputError(f"invalid guard lexicon {path}: {exc!r}") from exc
        self.longest = max(len(p) for p in self.phrases)
        self.not_living = {p[0] for p, tags in self.phrases.items() if "not_living" in tags}
        # two-word verbs whose particle may come later: "knock the man over", "turn the alarm off"
        self.split_verbs = {(p[0], p[1]): {t for t in tags if t.startswith("verb:")}
                            for p, tags in self.phrases.items() if len(p) == 2 and p[1] in PARTICLES}

    def _add(self, phrases, tag: str):
        for phrase in phrases:  # written as the normalised command reads: "don't" -> "don t"
            words = tuple(re.sub(r"[^\w\s]|_", " ", str(phrase).lower()).split())
            self.phrases.setdefault(words, set()).add(tag)

    def tag(self, words: list[str]) -> list[Span]:
        spans, i = [], 0
        while i < len(words):
            for n in range(min(self.longest, len(words) - i), 0, -1):
                tags = set(self.phrases.get(tuple(words[i:i + n]), ()))
                if tags:
                    break
            if n == 1 and not tags and words[i].endswith(("ed", "en")):  # "crushed", "burned", "beaten"
                lemma = self.wordnet.verb_lemma(words[i])
                tags = {t for t in self.phrases.get((lemma,), ()) if t.startswith("verb:")} if lemma else set()
            if n == 1:
                tags |= {t for (first, particle), verb_tags in self.split_verbs.items()
                         if first == words[i] and particle in words[i + 1:i + 6] for t in verb_tags}
                if words[i] not in FUNCTION_WORDS and not tags & THINGS and not any(
                        t.startswith("verb:") for t in tags):
                    tags |= self._wordnet_tags(words[i]) if i > 0 else set()
                    tags |= {f"verb:{kind}" for kind, roots in self.verb_roots.items()
                             if self.wordnet.verb_is_a(words[i], roots)}
            if i > 0 and words[i - 1] in DETERMINERS:  # "a hammer", "the push": a noun, not a verb
                tags = {t for t in tags if not t.startswith("verb:")}
            if "vulnerable" in tags:  # children and pets are living beings wherever they stand
                tags.add("living")
            spans.append(Span(i, " ".join(words[i:i + n]), frozenset(tags)))
            i += n
        return spans

    def _wordnet_tags(self, word: str) -> set[str]:
        if word in self.not_living or word in self.wordnet.adverbs:  # "push the box forward"
            return set()
        tags = {kind for kind, roots in self.roots.items() if self.wordnet.is_a(word, roots)}
        if "living" in tags and word.endswith(AGENT_SUFFIXES) and self.wordnet.is_a(word, self.artifact, senses=3):
            tags.discard("living")  # "calculator", "toaster": a person first in WordNet, a machine in a robot cell
        return tags

    def gloss(self, text: str, language: str) -> list[str]:
        """The English concept words of a command in `language` (language/glossary.py)."""
        return self.glossary.gloss(text, language)
