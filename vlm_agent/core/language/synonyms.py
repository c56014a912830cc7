"""Map nouns the vocabulary does not know to known categories by sentence-embedding similarity."""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from .command_parser import ObjectPhrase, ParsedCommand
from .text_embedding import SentenceEmbedder
from .vocabulary import CATEGORY_SYNONYMS, GENERIC_NOUNS

MIN_SIMILARITY = 0.55


class SynonymResolver:
    """Loads the embedding model on the first unknown noun, so known words cost nothing."""

    def __init__(self, model_path: str | None = None, min_similarity: float = MIN_SIMILARITY):
        self.model_path = model_path
        self.min_similarity = min_similarity
        self.embedder: SentenceEmbedder | None = None
        self._labels = [(cat, syn) for cat, syns in CATEGORY_SYNONYMS.items() for syn in syns]
        self._matrix = None
        self._known: dict[str, str | None] = {}

    def load(self) -> None:
        if self.embedder is None:
            self.embedder = SentenceEmbedder(self.model_path)
            self._matrix = self.embedder.encode([f"a {syn}" for _, syn in self._labels])

    def category_of(self, noun: str) -> str | None:
        if noun not in self._known:
            self.load()
            similarity = self._matrix @ self.embedder.embed_one(f"a {noun}")
            best = int(np.argmax(similarity))
            self._known[noun] = self._labels[best][0] if similarity[best] >= self.min_similarity else None
        return self._known[noun]

    def resolve_phrase(self, phrase: ObjectPhrase | None) -> ObjectPhrase | None:
        if phrase is None:
            return None
        relation = phrase.relation
        if relation is not None:
            relation = replace(relation, references=tuple(self.resolve_phrase(r) for r in relation.references))
        category = phrase.category
        if category is None and phrase.noun and phrase.noun not in GENERIC_NOUNS:
            category = self.category_of(phrase.noun)
        return replace(phrase, category=category, relation=relation)

    def resolve_command(self, parsed: ParsedCommand) -> ParsedCommand:
        return replace(parsed, target=self.resolve_phrase(parsed.target),
                       destination=self.resolve_phrase(parsed.destination))
