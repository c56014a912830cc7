"""Snapping transcripts to the command language (core/speech/snapping.py): misheard words become the
vocabulary word they sound like, known words stay, ties and far-off words are left for activation
to refuse, and nothing is ever snapped into a person or a harmful word."""
import numpy as np
import pytest

from vlm_agent.core.language.vocabulary import CATEGORY_SYNONYMS
from vlm_agent.core.speech.activation import COMMAND, REJECTED, ActivationConfig, decide
from vlm_agent.core.speech.listener import Listener, snap_transcript
from vlm_agent.core.speech.recognizer import Transcript
from vlm_agent.core.speech.snapping import (EXCLUDED_TARGETS, Phonetics, SnapConfig, VocabularySnapper,
                                            phoneme_distance, vocabulary_targets)
from vlm_agent.core.speech.vad import Utterance


@pytest.fixture(scope="module")
def snapper():
    return VocabularySnapper()


@pytest.mark.parametrize("heard, meant", [
    ("Pick up the read cube.", "Pick up the red cube."),
    ("Please pick up the people cube.", "Please pick up the purple cube."),
    ("Pick up the red cute.", "Pick up the red cube."),
    ("Pinch at the blue ball.", "Point at the blue ball."),
    ("Grab the blew sphear.", "Grab the blue sphere."),
    ("Pickup the green cylindar", "pick up the green cylinder"),
    ("Get the red cube left on the blue tray.", "Get the red cube left of the blue tray."),
    ("Place the yellow cube to the left and the orange box.", "Place the yellow cube to the left of the orange box."),
    ("Pick up the green cube gloss to the yellow plate.", "Pick up the green cube close to the yellow plate."),
    ("Grab the green ball in front on the pink can.", "Grab the green ball in front of the pink can."),
    ("Stub!", "Stop!"),
])
def test_misheard_words_are_snapped_to_the_vocabulary(snapper, heard, meant):
    result = snapper.snap(heard)
    assert result.text.lower() == meant.lower()
    assert result.original == heard and result.changed
    assert all(s.heard.lower() not in meant.lower().split() for s in result.snaps)


@pytest.mark.parametrize("text", [
    "Pick up the red cube.", "Could you grab the blue box?", "How many cubes are there?",
    "Take the cylinder which is not blue.", "Point at the pink can nearest to you.",
    "Pick the second sphere from the left.", "Put the yellow cube to the left of the orange box.",
    "Pick up the purple can and put it in front of the orange plate.", "Stop.",
    "Hand the cup to the person.", "Put the cube on the left of the plate.", "put the cube on the plate to the left",
    "Hot manic cube on there.",  # a stop is snapped to only from a short utterance
])
def test_words_of_the_command_language_are_left_alone(snapper, text):
    assert snapper.snap(text).text == text


def test_a_near_tie_is_left_alone(snapper):
    for word in ("boll", "blick"):  # ball or bowl? brick, black or block?
        ranked = snapper.nearest(word)
        assert ranked[1][0] - ranked[0][0] < snapper.config.min_margin
        assert snapper.snap(f"pick up the {word}").text == f"pick up the {word}"


def test_words_far_from_the_vocabulary_stay_and_activation_refuses_them(snapper):
    for text in ("Grab the big file.", "Pick up the knife.", "Get to the black card."):
        snapped = snapper.snap(text)
        assert snapped.text == text
        decision = decide(Transcript(snapped.text, 0.9, "en"), ActivationConfig())
        assert decision.kind == REJECTED and "neither a known object word" in decision.reason


def test_snaps_only_ever_produce_vocabulary_words_and_never_people(snapper):
    targets = set(vocabulary_targets())
    people = set(CATEGORY_SYNONYMS["person"])
    assert not targets & people and not targets & EXCLUDED_TARGETS
    heard = ("kit", "kid", "man", "mom", "chalet", "kill", "stab", "hit", "shoot", "burn", "cut", "choke", "knife",
             "gun", "poison", "fire", "kick", "punch", "stub", "read", "blew", "cute", "people", "sold", "gross")
    for word in heard:
        for text in (f"{word} the red cube", f"pick up the {word}", f"pick up the {word} cube", f"push the {word}"):
            for snap in snapper.snap(text).snaps:
                assert snap.snapped in targets and snap.snapped not in people, (text, snap)


def test_a_person_word_where_a_colour_belongs_is_snapped_elsewhere_it_stays(snapper):
    assert snapper.snap("push the people cube").text == "push the purple cube"
    assert snapper.snap("point at the people").text == "point at the people"


def test_the_guard_checks_the_unsnapped_text_too():
    snapper = VocabularySnapper(SnapConfig(max_distance=0.5, min_margin=0.0))
    refuses_kill = lambda text: "kill" not in text.lower()  # noqa: E731
    transcript = Transcript("Kill the red cube.", 0.9, "en")
    assert snapper.snap(transcript.text).changed  # "kill" sounds like a vocabulary verb ...
    kept = snap_transcript(snapper, transcript, allowed=refuses_kill)
    assert kept.text == transcript.text and not kept.changed  # ... but a refused text is never snapped away


def test_confident_words_are_left_alone_when_probabilities_gate_snapping():
    snapper = VocabularySnapper(SnapConfig(max_probability=0.5))
    text = "Pick up the read cube."
    assert snapper.snap(text, [0.9, 0.9, 0.9, 0.95, 0.9]).text == text
    assert snapper.snap(text, [0.9, 0.9, 0.9, 0.3, 0.9]).text == "Pick up the red cube."


def test_spelling_fallback_without_espeak():
    snapper = VocabularySnapper(phonetics=Phonetics(use_espeak=False))
    assert snapper.snap("Pick up the read cube.").text == "Pick up the red cube."
    assert snapper.snap("Pick up the red cube.").text == "Pick up the red cube."
    assert phoneme_distance(("k", "j", "u", "b"), ("k", "j", "u", "b")) == 0.0
    assert phoneme_distance(("k",), ()) == 1.0


class FakeRecognizer:
    name = "fake"
    scene_objects = ()

    def __init__(self, text):
        self.text = text

    def transcribe(self, audio):
        return Transcript(self.text, 0.9, "en", words=tuple((w, 0.5) for w in self.text.split()))


def test_the_listener_acts_on_the_snapped_text_and_keeps_what_was_heard():
    utterance = Utterance(np.zeros(8000, np.float32) + 0.01, 0.0, 0.5, 0.5)
    heard = Listener(FakeRecognizer("Pick up the read cube."))._hear(utterance, 0.0, False)
    assert heard.decision.kind == COMMAND and heard.decision.text == "Pick up the red cube"
    assert heard.decision.heard == "Pick up the read cube." and heard.decision.snaps == ("read->red",)
    record = heard.as_dict()
    assert record["text"] == "Pick up the read cube." and record["command"] == "Pick up the red cube"
    assert record["snapped"] == ["read->red"]
    plain = Listener(FakeRecognizer("Pick up the read cube."), snap=SnapConfig(enabled=False))
    assert plain._hear(utterance, 0.0, False).decision.text == "Pick up the read cube"


def test_transcribe_reports_the_snapped_command_text(tmp_path):
    from vlm_agent.core.speech.test_signals import speak
    from vlm_agent.core.speech.transcribe import transcribe_file
    from vlm_agent.core.speech.wav import write_wav
    speech = np.concatenate([speak("pick up the red cube"), np.zeros(8000, np.float32)])
    path = write_wav(tmp_path / "command.wav", speech)
    result = transcribe_file(path, FakeRecognizer("Pick up the read cube."), snapper=VocabularySnapper())
    assert result["text"] == "Pick up the read cube." and result["command_text"] == "Pick up the red cube."
    assert result["snapped"] == ["read->red"]
    assert "command_text" not in transcribe_file(path, FakeRecognizer("Pick up the read cube."))
