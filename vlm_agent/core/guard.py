"""Command guard: policy rules and a sentence-embedding guard on commands. Every layer fails
closed: an error is a refusal. (Plans are checked by plan_guard.py.)"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from .command_parser import MAX_COMMAND_CHARS, parse_command
from .errors import InputError
from .objects import ALLOWED, Verdict
from .resources import data_file

# look-alike letters people use to slip words past filters
HOMOGLYPHS = str.maketrans("аеіорсухАЕІОРСХВМНКТ", "aeiopcyxAEIOPCXBMHKT")
LEET = str.maketrans("4310572@$!", "aeiostzasi")


@dataclass(frozen=True)
class PolicyRule:
    category: str
    patterns: tuple[re.Pattern, ...]
    reason: str


@dataclass(frozen=True)
class EmbeddingConfig:
    unsafe_examples: dict[str, tuple[str, ...]]
    safe_examples: tuple[str, ...]
    threshold: float = 0.62
    margin: float = 0.06
    model_path: str = ""


@dataclass(frozen=True)
class GuardConfig:
    rules: tuple[PolicyRule, ...]
    embedding: EmbeddingConfig | None = None
    allowed_actions: tuple[str, ...] = ()
    max_chars: int = MAX_COMMAND_CHARS
    llama_guard_path: str = ""  # local Llama Guard 3 weights; "" = layer off


def load_guard_config(path: str | Path | None = None, embedding: bool = True) -> GuardConfig:
    try:
        path = Path(path) if path else data_file("config/guard.yaml")
        data = yaml.safe_load(path.read_text())
        rules = tuple(PolicyRule(category, tuple(re.compile(p) for p in rule["patterns"]), rule["reason"])
                      for category, rule in data["rules"].items())
        emb = data.get("embedding") or {}
        embedding_config = None
        if embedding and emb.get("enabled", False):
            embedding_config = EmbeddingConfig(
                {k: tuple(v) for k, v in emb["unsafe_examples"].items()}, tuple(emb["safe_examples"]),
                float(emb.get("threshold", 0.62)), float(emb.get("margin", 0.06)), str(emb.get("model_path", "")))
        llama = data.get("llama_guard") or {}
        return GuardConfig(rules, embedding_config, tuple(data.get("allowed_actions") or ()),
                           int(data.get("max_command_chars", MAX_COMMAND_CHARS)),
                           str(llama.get("model_path", "")) if llama.get("enabled", False) else "")
    except (OSError, yaml.YAMLError, KeyError, TypeError, re.error) as exc:
        raise InputError(f"invalid guard configuration {path}: {exc!r}") from exc


def deobfuscate(text: str) -> str:
    """Lower case, NFKC, look-alike letters, leetspeak inside words, spaced or dotted letters joined."""
    text = unicodedata.normalize("NFKC", text).translate(HOMOGLYPHS).lower()
    text = re.sub(r"\b(?:[a-z][.\-_*]){2,}[a-z]\b", lambda m: re.sub(r"[.\-_*]", "", m.group(0)), text)
    text = re.sub(r"\b(?:[a-z0-9] ){3,}[a-z0-9]\b", lambda m: m.group(0).replace(" ", ""), text)
    text = re.sub(r"\b\w*[a-z]\w*\b", lambda m: m.group(0).translate(LEET) if re.search(r"\d", m.group(0))
                  else m.group(0), text)
    text = re.sub(r"(?<=[a-z])[@$!](?=[a-z])|(?<=\s)[@$](?=[a-z])", lambda m: m.group(0).translate(LEET), text)
    text = re.sub(r"[^\w\s']", " ", text)  # hyphens too: "e-stop" is "e stop"
    return " ".join(text.split())


class EmbeddingGuard:
    """Nearest curated example by cosine similarity: unsafe if an unsafe example is close enough
    and closer than every safe example by a margin."""

    def __init__(self, config: EmbeddingConfig, embedder=None):
        from .text_embedding import SentenceEmbedder
        self.config = config
        self.embedder = embedder or SentenceEmbedder(config.model_path or None)
        self.categories = [c for c, examples in config.unsafe_examples.items() for _ in examples]
        self.unsafe = self.embedder.encode_batch([e for ex in config.unsafe_examples.values() for e in ex])
        self.safe = self.embedder.encode_batch(list(config.safe_examples))

    def check(self, text: str) -> Verdict | None:
        vector = self.embedder.embed_one(text)
        unsafe, safe = self.unsafe @ vector, self.safe @ vector
        best = int(np.argmax(unsafe))
        score, nearest_safe = float(unsafe[best]), float(safe.max())
        if score >= self.config.threshold and score - nearest_safe >= self.config.margin:
            category = self.categories[best]
            return Verdict(False, category, score, f"Refused: the command is close in meaning to a known "
                           f"{category.replace('_', ' ')} request (similarity {score:.2f}).")
        return None


class CommandGuard:
    def __init__(self, config: GuardConfig | None = None, embedder=None):
        self.config = config or load_guard_config(embedding=False)
        self.embedding = EmbeddingGuard(self.config.embedding, embedder) if self.config.embedding else None
        self.llama_guard = None
        if self.config.llama_guard_path:
            from .guard_models import LlamaGuard
            self.llama_guard = LlamaGuard(self.config.llama_guard_path)

    def check(self, text: str) -> Verdict:
        try:
            return self._check(text)
        except Exception as exc:  # fail closed: a broken guard refuses
            return Verdict(False, "guard_error", 1.0, f"guard failed ({exc!r}); refusing")

    def _check(self, text: str) -> Verdict:
        if not isinstance(text, str) or not text.strip():
            return Verdict(False, "invalid_input", 1.0, "empty command")
        if len(text) > self.config.max_chars:
            return Verdict(False, "invalid_input", 1.0, f"command longer than {self.config.max_chars} characters")
        clean = deobfuscate(text)
        for rule in self.config.rules:
            if any(pattern.search(clean) for pattern in rule.patterns):
                return Verdict(False, rule.category, 1.0, f"Refused: {rule.reason}.")
        if self.config.allowed_actions:
            action = parse_command(clean).action
            if action not in self.config.allowed_actions:
                return Verdict(False, "not_allowed", 1.0, f"Refused: '{action}' is not allowed in this deployment "
                               f"(allowed: {', '.join(self.config.allowed_actions)}).")
        if self.embedding is not None:
            verdict = self.embedding.check(clean)
            if verdict is not None:
                return verdict
        if self.llama_guard is not None:
            verdict = self.llama_guard.check(text)
            if not verdict.allowed:
                return verdict
        return Verdict(True, ALLOWED, 0.0, "no policy rule, unsafe example or guard model objected")
