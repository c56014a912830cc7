"""A minimal reader of the Princeton WordNet 3.0 database files (Debian: wordnet-base,
/usr/share/wordnet): noun and verb senses in frequency order and their hypernyms, to tell what kind
of thing a word names (a person, an animal, a weapon, ...) and what kind of act a verb is (to hit,
to injure, ...)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from ..errors import InputError

DEFAULT_WORDNET_DIR = "/usr/share/wordnet"
VERB_SUFFIXES = (("ies", "y"), ("es", ""), ("es", "e"), ("s", ""), ("ed", ""), ("ed", "e"), ("ing", ""),
                 ("ing", "e"))
SUFFIXES = (("ies", "y"), ("ches", "ch"), ("shes", "sh"), ("xes", "x"), ("ses", "s"), ("men", "man"), ("s", ""))


class WordNet:
    def __init__(self, folder: str = DEFAULT_WORDNET_DIR):
        self.folder = folder = Path(folder)
        try:
            self.senses = self._read_index(folder / "index.noun")
            self.verb_senses = self._read_index(folder / "index.verb")
            self.exceptions = dict(line.split()[:2] for line in (folder / "noun.exc").read_text().splitlines())
            self.verb_exceptions = dict(line.split()[:2] for line in (folder / "verb.exc").read_text().splitlines())
            self.adverbs = set(self._read_index(folder / "index.adv"))
            self.words = (set(self.senses) | set(self.verb_senses) | self.adverbs
                          | set(self._read_index(folder / "index.adj")))
            self._data = {"n": (folder / "data.noun").read_bytes(), "v": (folder / "data.verb").read_bytes()}
        except OSError as exc:
            raise InputError(f"WordNet not found in {folder} (Debian/Ubuntu: apt-get install wordnet-base)") from exc
        self.hypernyms = lru_cache(maxsize=None)(self._hypernyms)

    @staticmethod
    def _read_index(path: Path) -> dict[str, tuple[int, ...]]:
        senses = {}
        for line in path.read_text().splitlines():
            if line.startswith(" "):
                continue  # licence header
            fields = line.split()
            n_synsets = int(fields[2])
            senses[fields[0]] = tuple(int(offset) for offset in fields[-n_synsets:])
        return senses

    def lemma(self, word: str) -> str | None:
        """The noun's base form ("children" -> "child", "workers" -> "worker"), None if unknown."""
        word = word.lower()
        if word in self.senses:
            return word
        if self.exceptions.get(word) in self.senses:
            return self.exceptions[word]
        for suffix, replacement in SUFFIXES:
            if word.endswith(suffix) and word[:-len(suffix)] + replacement in self.senses:
                return word[:-len(suffix)] + replacement
        return None

    def verb_lemma(self, word: str) -> str | None:
        """The verb's base form ("pummelled" -> "pummel", "smacks" -> "smack"), None if unknown."""
        word = word.lower()
        if word in self.verb_senses:
            return word
        if self.verb_exceptions.get(word) in self.verb_senses:
            return self.verb_exceptions[word]
        for suffix, replacement in VERB_SUFFIXES:
            if word.endswith(suffix) and word[:-len(suffix)] + replacement in self.verb_senses:
                return word[:-len(suffix)] + replacement
        return None

    def synset(self, word: str, sense: int = 1, pos: str = "n") -> int:
        return (self.senses if pos == "n" else self.verb_senses)[word][sense - 1]

    def _hypernyms(self, offset: int, pos: str = "n") -> frozenset[int]:
        """Every ancestor of a synset (hypernyms and instance hypernyms, transitively)."""
        data = self._data[pos]
        end = data.index(b"\n", offset)
        fields = data[offset:end].split(b" | ")[0].split()
        n_words = int(fields[3], 16)
        pointers = fields[4 + 2 * n_words:]
        parents = {int(pointers[i + 1]) for i in range(1, len(pointers) - 3, 4)
                   if pointers[i] in (b"@", b"@i") and pointers[i + 3] == b"0000"}
        ancestors = set(parents)
        for parent in parents:
            ancestors |= self.hypernyms(parent, pos)
        return frozenset(ancestors)

    def is_a(self, word: str, roots: frozenset[int], senses: int = 1) -> bool:
        """Whether one of the word's `senses` most frequent noun senses descends from a root."""
        lemma = self.lemma(word)
        if lemma is None:
            return False
        return any(offset in roots or not roots.isdisjoint(self.hypernyms(offset))
                   for offset in self.senses[lemma][:senses])

    def verb_is_a(self, word: str, roots: frozenset[int], senses: int = 1) -> bool:
        """Whether one of the verb's `senses` most frequent senses is a kind of a root act."""
        lemma = self.verb_lemma(word)
        if lemma is None:
            return False
        return any(offset in roots or not roots.isdisjoint(self.hypernyms(offset, "v"))
                   for offset in self.verb_senses[lemma][:senses])
