"""What the guard reads: a command undone of the tricks people use to slip words past filters
(Unicode look-alikes, invisible characters, leetspeak, s p a c e d letters) and of encodings
(base64, hex, %-escapes, rot13, backwards) that hide a whole command."""
from __future__ import annotations

import base64
import binascii
import codecs
import re
import unicodedata
import urllib.parse

# Cyrillic and Greek letters that look like Latin ones
HOMOGLYPHS = str.maketrans("аеіорсухкмтвнАЕІОРСХВМНКТΑΒΕΗΙΚΜΝΟΡΤΥΧαεικνορτυχѕјһԁɡӏԛԝѵүЅЈԌҺӀԚԜѴҮɑᴅᴇɪᴋᴍɴᴏᴘᴛᴜᴠᴡʏᴢℓ",
                           "aeiopcyxkmtbhAEIOPCXBMHKTABEHIKMNOPTYXaeikvopTuxsjhdglqwvySJGHIQWVYadeikmnoptuvwyzl")
LEET = str.maketrans("4310572@$!|", "aeiostzasil")
BASE64_TOKEN = re.compile(r"[A-Za-z0-9+/_-]{12,}={0,2}")
PERCENT_ESCAPE = re.compile(r"%[0-9a-fA-F]{2}")
HEX_RUN = re.compile(r"(?:\b0x)?(?:[0-9a-fA-F]{2}[\s:]?){6,}")
# English words WordNet has no entry for (it lists nouns, verbs, adjectives and adverbs only)
FUNCTION_WORDS = frozenset("""a an the and or but if so then than to at on in into onto of off for from by with
without over under up down out about near me my mine you your he him his she her it its we us our they them
their this that these those i is are was were be been am do does did can could will would should shall may
might must not no please all any every some each what which who whom whose where when why how""".split())


def strip_invisible(text: str) -> str:
    """NFKC, then drop format characters (zero-width spaces and joiners, bidi marks, soft hyphens) and
    combining marks left on their own (s̶t̶r̶u̶c̶k̶ letters; accented letters are precomposed by NFKC)."""
    text = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in text if unicodedata.category(ch) not in ("Cf", "Mn"))


def _join_spaced_letters(text: str) -> str:
    """'s t a b   t h e   m a n' -> 'stab the man': single letters between single spaces are one
    word; runs of two or more spaces separate words."""
    chunks = re.split(r"\s{2,}", text)
    if len(chunks) > 1 and all(re.fullmatch(r"\w( \w)+|\w", chunk) for chunk in chunks if chunk):
        return " ".join(chunk.replace(" ", "") for chunk in chunks)
    return re.sub(r"\b(?:\w ){3,}\w\b", lambda m: m.group(0).replace(" ", ""), text)


def deobfuscate(text: str, dictionary: set[str] | frozenset[str] = frozenset()) -> str:
    """Lower case, invisible characters gone, look-alike letters, leetspeak inside words, spaced or
    dotted letters joined, a word split by a hyphen joined when the whole is in `dictionary` and a
    part is not, or is a fragment of three letters or fewer ("dis-able", "by-pass"; "e-stop" stays "e stop"), punctuation (hyphens and apostrophes too) as spaces."""
    text = strip_invisible(text).translate(HOMOGLYPHS).lower()
    text = re.sub(r"\b(?:[a-z][.\-_*]){2,}[a-z]\b", lambda m: re.sub(r"[.\-_*]", "", m.group(0)), text)
    if dictionary:
        text = re.sub(r"\b([a-z]+)-([a-z]+)\b", lambda m: m.group(1) + m.group(2) if m.group(1) + m.group(2)
                      in dictionary and (min(len(m.group(1)), len(m.group(2))) <= 3 or not (
                          m.group(1) in dictionary and m.group(2) in dictionary)) else m.group(0), text)
    text = _join_spaced_letters(text)
    text = re.sub(r"\b\w*[a-z]\w*\b", lambda m: m.group(0).translate(LEET) if re.search(r"\d", m.group(0))
                  else m.group(0), text)
    text = re.sub(r"(?<=[a-z])[@$!|](?=[a-z])|(?<=\s)[@$](?=[a-z])", lambda m: m.group(0).translate(LEET), text)
    text = re.sub(r"[’']s\b", "", text)  # possessives: "the child's hand" -> "the child hand"
    text = re.sub(r"[^\w\s]|_", " ", text)  # "e-stop" is "e stop"
    return " ".join(text.split())


def _readable(data: bytes) -> str | None:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    letters = sum(ch.isalpha() for ch in text)
    printable = sum(ch.isprintable() or ch.isspace() for ch in text)
    return text if text and printable == len(text) and letters >= 0.6 * len(text.replace(" ", "")) else None


def _base64_payloads(text: str) -> list[str]:
    found = []
    for token in BASE64_TOKEN.findall(text):
        padded = token + "=" * (-len(token) % 4)
        for decode in (base64.b64decode, base64.urlsafe_b64decode):
            try:
                decoded = _readable(decode(padded))
            except (binascii.Error, ValueError):
                continue
            if decoded:
                found.append(decoded)
                break
    return found


def _hex_payloads(text: str) -> list[str]:
    found = []
    for run in HEX_RUN.findall(text):
        digits = re.sub(r"[^0-9a-fA-F]", "", run.removeprefix("0x"))
        if len(digits) % 2 == 0 and (decoded := _readable(bytes.fromhex(digits))):
            found.append(decoded)
    return found


def english_ratio(text: str, dictionary: set[str]) -> float:
    words = re.findall(r"[a-z]+", text.lower())
    return sum(word in dictionary or word in FUNCTION_WORDS for word in words) / len(words) if words else 0.0


def decoded_payloads(text: str, dictionary: set[str]) -> list[str]:
    """Commands hidden in the text as base64, hex, %-escapes, rot13 or written backwards (rot13 and
    backwards only when the result is much more English than the original, by the share of its words
    found in `dictionary`)."""
    text = strip_invisible(text)
    payloads = _base64_payloads(text) + _hex_payloads(text)
    if len(PERCENT_ESCAPE.findall(text)) >= 2:
        payloads.append(urllib.parse.unquote(text))
    original = english_ratio(text, dictionary)
    for decoded in (codecs.decode(text, "rot13"), text[::-1]):
        if english_ratio(decoded, dictionary) >= original + 0.4:
            payloads.append(decoded)
    return payloads
