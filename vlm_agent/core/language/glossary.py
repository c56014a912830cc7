"""A command in German, Spanish, French, Italian or Chinese read as the English concept words of the
guard's lexicon ("schubs die alte Frau die Treppe hinunter" -> "push old lady down the stairs"), so
the structural harm layer judges it as it judges English. Words are found through a bilingual
glossary of concepts (config/guard_glossary.yaml, plus the lexicon's own glossary): accents folded,
then whole phrases, longest first, then (de/es/fr/it) by Snowball stem, so inflected forms match
("schubst", "schubsen" -> push). Chinese, written without spaces, is matched by substring."""
from __future__ import annotations

import unicodedata
from functools import lru_cache

import snowballstemmer

STEMMERS = {"de": "german", "es": "spanish", "fr": "french", "it": "italian"}
# a separable German verb's particle at the end of its clause: "schalte den Not-Aus ab"
DE_PARTICLES = ("ab", "an", "aus", "auf", "ein", "um", "zu", "hoch", "weg", "fest", "los", "lahm", "kaputt", "fallen")
DE_CLAUSE_ENDS = ("damit", "dass", "und", "so", "sodass", "weil", "bis", "dann")
# a first-person subject makes a reflexive pronoun "myself": "je veux me couper", "ich will mich schneiden"
FIRST_PERSON = {"de": {"ich"}, "fr": {"je", "j"}, "es": {"yo", "quiero", "voy", "necesito", "puedo", "deseo"},
                "it": {"io", "voglio", "vorrei"}}
REFLEXIVE = {"de": {"mich", "mir"}, "fr": {"me", "m"}, "es": {"me"}, "it": {"mi"}}
ES_AGENT = ("ero", "era", "ista", "dor", "dora")  # cartero, florista, repartidor
FR_AGENT = ("eur", "euse", "ier", "iere", "iste")  # facteur, coiffeuse, plombier, fleuriste
FR_DEVICES = frozenset("""aspirateur radiateur moteur ventilateur interrupteur projecteur chargeur ascenseur batteur
mixeur extincteur detecteur capteur ordinateur refrigerateur congelateur compteur conteneur pulverisateur
tiroir papier cahier panier tablier escalier evier sablier grenier clavier calendrier atelier""".split())
ZH_PERSON_SUFFIXES = ("员", "卫", "警", "匠", "师")
DE_SMALL = ("kleine", "kleinen", "kleiner", "kleinsten")
DE_ARTICLES = frozenset("das die den dem der des ein eine einen einem mit aufs auf in ins an ans".split())
ES_CLITICS = ("selo", "sela", "melo", "mela", "los", "las", "les", "nos", "me", "te", "lo", "la", "le")
INFLECTIONS = ("es", "en", "er", "em", "s", "n", "e")


def fold(word: str) -> str:
    """Lower case without accents: "zerstöre" -> "zerstore", "apuñala" -> "apunala"."""
    word = word.lower().replace("ß", "ss").replace("œ", "oe").replace("æ", "ae")
    return "".join(ch for ch in unicodedata.normalize("NFD", word) if unicodedata.category(ch) != "Mn")


class Glossary:
    def __init__(self, entries: dict[str, dict[str, str]]):
        """`entries`: language -> {foreign phrase: English words}; the first entry of a phrase wins."""
        self.exact: dict[str, dict[tuple[str, ...], str]] = {}
        self.stemmed: dict[str, dict[tuple[str, ...], str]] = {}
        for language, words in entries.items():
            exact = self.exact.setdefault(language, {})
            stemmer = self._stemmer(language)
            stemmed = self.stemmed.setdefault(language, {})
            for phrase, english in words.items():
                key = tuple("".join(phrase.split())) if language == "zh" else tuple(fold(phrase).split())
                if key and key not in exact:
                    exact[key] = english
                if stemmer and key:
                    stemmed.setdefault(tuple(stemmer.stemWords(list(key))), english)
        self.longest = {language: max((len(k) for k in words), default=1) for language, words in self.exact.items()}

    @staticmethod
    @lru_cache(maxsize=None)
    def _stemmer(language: str):
        return snowballstemmer.stemmer(STEMMERS[language]) if language in STEMMERS else None

    def gloss(self, text: str, language: str) -> list[str]:
        """The English concept words of a command in `language`, in order; words the glossary does not
        know are left out."""
        if language not in self.exact:
            return []
        if language == "zh":
            phrases = self._reorder_zh(self._match(list("".join(text.split())), language))
            return [word for phrase in phrases for word in phrase.split()]
        words = [fold(w) for w in text.split()]
        if language == "de":
            words = self._join_separable(words)
        if FIRST_PERSON.get(language, set()) & set(words):
            words = ["myself" if w in REFLEXIVE[language] else w for w in words]
        return [word for phrase in self._match(words, language) for word in phrase.split()]

    def _match(self, words: list[str], language: str) -> list[str]:
        """The English phrases of the words, in order."""
        exact, stemmed = self.exact[language], self.stemmed[language]
        stems = [_cached_stem(w, language) if language in STEMMERS else w for w in words]
        out, i = [], 0
        while i < len(words):
            if words[i] == "myself":
                out.append("myself")
                i += 1
                continue
            person = self._person_word(words, i, language)
            if person:
                out.append("child" if language == "de" else "person")
                i += person
                continue
            for n in range(min(self.longest[language], len(words) - i), 0, -1):
                english = exact.get(tuple(words[i:i + n])) or stemmed.get(tuple(stems[i:i + n]))
                if english is not None:
                    out.append(english)
                    i += n
                    break
            else:
                out += self._inflected(words[i], language, words[i - 1] if i else "")
                i += 1
        return out

    @staticmethod
    def verb_first(words: list[str]) -> list[str] | None:
        """The gloss with its last verb moved to the front, for verbs that come after their object
        ("wie kann ich den hund vergiften" -> "dog poison" -> "poison dog"; "je veux le frapper"); None
        when the gloss has no such verb."""
        verbs = [i for i, w in enumerate(words) if w in VERBS and i > 0]
        if not verbs:
            return None
        last = verbs[-1]
        return [words[last]] + words[:last] + words[last + 1:]

    def _person_word(self, words: list[str], i: int, language: str) -> int:
        """How many words (Chinese: characters) from `i` name a person the glossary does not list:
        邮递员 (-员, -卫, -师: a person by trade), German "dem Kleinen" (the little one, a noun before an
        article or at the end); 0 when none."""
        if language == "de" and words[i] in DE_SMALL and (i + 1 == len(words) or words[i + 1] in DE_ARTICLES):
            return 1
        if language != "zh":
            return 0
        known = max((n for n in range(1, min(self.longest["zh"], len(words) - i) + 1)
                     if tuple(words[i:i + n]) in self.exact["zh"]), default=0)
        for n in (3, 2):
            if i + n <= len(words) and words[i + n - 1] in ZH_PERSON_SUFFIXES and known < n:
                return n
        return 0

    def _lookup(self, words: tuple[str, ...], language: str) -> str | None:
        return self.exact[language].get(words) or self.stemmed[language].get(
            tuple(_cached_stem(w, language) for w in words) if language in STEMMERS else words)

    def _inflected(self, word: str, language: str, previous: str = "") -> list[str]:
        """A word the glossary lacks as written: a Spanish verb with pronouns attached ("empújalo",
        "cortarme"), or an inflected form ("arbeiters" -> "arbeiter")."""
        if language == "es":
            for clitic in ES_CLITICS:
                stem = word[:-len(clitic)]
                english = self._lookup((stem,), language) if word.endswith(clitic) and len(stem) > 2 else None
                if english:
                    infinitive = stem.endswith(("ar", "er", "ir"))
                    pronoun = {"me": "myself" if infinitive else "me", "le": "him", "les": "them"}.get(clitic)
                    return [english] + ([pronoun] if pronoun else [])
        if language == "de" and len(word) > 6:
            return self._compound(word)
        if language == "es" and word.endswith(ES_AGENT) and previous in ("a", "al", "la", "el"):
            return ["person"]  # "al cartero": the personal "a" marks a person
        if language == "fr" and word.endswith(FR_AGENT) and word not in FR_DEVICES:
            return ["person"]  # "le facteur", "la coiffeuse"
        for ending in INFLECTIONS:
            if word.endswith(ending) and (english := self.exact[language].get((word[:-len(ending)],))):
                return [english]
        return []

    def _compound(self, word: str) -> list[str]:
        """A German compound is a kind of its last part ("wasserflasche" -> bottle); "sicherheits-" and
        "schutz-" compounds are safety devices, "spielzeug-" ones toys."""
        if word.startswith("spielzeug"):
            return ["toy"]
        for start in range(3, len(word) - 2):
            head = self._lookup((word[start:],), "de")
            if head:
                return [head]
        return ["safety system"] if word.startswith(("sicherheits", "schutz")) else []

    def _join_separable(self, words: list[str]) -> list[str]:
        """'schalte den notaus ab' -> 'schalte ab den notaus': the particle joins the clause's first verb
        when the glossary knows the pair."""
        for end, word in enumerate(words):
            last = end + 1 == len(words) or words[end + 1] in DE_CLAUSE_ENDS
            if end > 0 and last and word in DE_PARTICLES and self._lookup((words[0], word), "de"):
                return [words[0], word] + words[1:end] + words[end + 1:]
        return words

    @staticmethod
    def _reorder_zh(words: list[str]) -> list[str]:
        """Chinese order to English order: 把/将 X V -> V X (the verb of a 把 construction before its
        object); 用 X V -> V ... with X (the instrument after the act); X 上/里 -> onto/into X (the
        place words that follow their noun go before it)."""
        def is_verb(phrase: str) -> bool:
            return phrase.split()[0] in VERBS
        while "BA" in words:
            at = words.index("BA")
            rest = words[at + 1:]
            verb = next((j for j, w in enumerate(rest) if is_verb(w)), None)
            words = words[:at] + rest if verb is None else words[:at] + [rest[verb]] + rest[:verb] + rest[verb + 1:]
        if "with" in words:
            at = words.index("with")
            verb = next((j for j in range(at + 1, len(words)) if is_verb(words[j])), None)
            if verb is not None:
                words = words[:at] + words[verb:] + words[at:verb]
        out: list[str] = []
        for word in words:
            if not word.startswith("POST_"):
                out.append(word)
            elif out and not is_verb(out[-1]):  # 在 工人 身上 -> onto worker
                noun = out.pop()
                if out and out[-1] in ("onto", "into", "at"):
                    out.pop()
                out += [word.removeprefix("POST_"), noun]
        return out


@lru_cache(maxsize=65536)
def _cached_stem(word: str, language: str) -> str:
    return Glossary._stemmer(language).stemWord(word)


# English verbs of the glossary's values: the word a 把 construction or a German clause ends in
VERBS = frozenset("""hit kick push stab cut slash hurt kill strangle choke smother burn crush pinch bite scratch
drown poison lock tie grab pull attack threaten run ram electrocute shoot throw drop pour splash spray swing put
hand bring aim wave lift take move set ignite mix turn disable bypass ignore remove unplug disconnect cover block
wedge raise smash break destroy damage tear soak knock press check clean""".split())
