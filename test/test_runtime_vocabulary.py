"""Object words and backend prompts that change while the grounding node runs: validation of
vocabulary_extra and the prompt templates, the parser and grounder reading the added words, and
new prompts and words reaching the backends past their per-frame caches."""
import json

import pytest
from conftest import position_error

from vlm_agent.core.backends.chat_vlm import ChatVLMBackend
from vlm_agent.core.backends.rgbd_geometry import RGBDGeometryBackend
from vlm_agent.core.language.command_parser import parse_command
from vlm_agent.core.language.extra_vocabulary import extra_vocabulary
from vlm_agent.core.perception.grounding import Grounder
from vlm_agent.core.settings import SettingsError, settings_fields, settings_from
from vlm_agent.core.settings.nodes import GroundingSettings


@pytest.mark.parametrize("entries, expected", [
    (["thermos="], "entry 'thermos=': write 'word' or 'word=known_word'"),
    (["=cup"], "entry '=cup': write 'word' or 'word=known_word'"),
    (["a=b=c"], "entry 'a=b=c': write 'word' or 'word=known_word'"),
    (["thermos!"], "entry 'thermos!': 'thermos!' is not a word"),
    (["thermos=flask x"], "entry 'thermos=flask x': 'flask x' is not a known object word"),
    (["red"], "entry 'red': the command parser reads 'red' as a colour"),
    (["mug=can"], "entry 'mug=can': 'mug' is already a built-in word for cup"),
    (["thermos", "thermos=can"], "entry 'thermos=can': 'thermos' is given twice with different meanings"),
])
def test_bad_entries_are_refused_naming_the_setting_and_the_entry(entries, expected):
    with pytest.raises(SettingsError) as error:
        settings_from(GroundingSettings, {"vocabulary_extra": ["stapler", *entries]}, "node /grounding")
    assert f"node /grounding: 'vocabulary_extra' {expected}" in str(error.value)


def test_entries_are_new_words_or_synonyms_of_known_ones():
    vocabulary = extra_vocabulary(["Thermos = can", "stapler", "water  bottle", "tumbler=water bottle", "mug=cup"])
    assert vocabulary.added == (("thermos", "cylinder"), ("stapler", "stapler"), ("water bottle", "water bottle"),
                                ("tumbler", "water bottle"))
    assert vocabulary.new_words == ("stapler", "water bottle")
    assert parse_command("point at the thermos", vocabulary.categories).target.category == "cylinder"
    assert parse_command("pick up the staplers", vocabulary.categories).target.category == "stapler"
    place = parse_command("put the tumbler next to the red mug", vocabulary.categories)
    assert (place.target.category, place.destination.category) == ("water bottle", "cup")
    assert parse_command("point at the thermos").target.category is None  # the built-in words alone


@pytest.mark.parametrize("name, value, expected", [
    ("owl_query_template", "a photo", "must contain {} exactly once"),
    ("owl_query_template", "{} or {}", "must contain {} exactly once"),
    ("owl_query_template", "a {colour} {}", "has unknown placeholder {colour}"),
    ("owl_proposal_query", " ", "must not be empty"),
    ("vlm_objects_prompt", "List the objects as JSON.", "must contain {width} exactly once"),
    ("vlm_answer_prompt", "Answer briefly.", "must contain {question} exactly once"),
])
def test_prompt_templates_are_checked_for_their_placeholders(name, value, expected):
    info = {i.name: i for i in settings_fields(GroundingSettings)}[name]
    assert info.runtime and info.runtime_problem(info.default, value).startswith(expected)


def test_vocabulary_and_prompts_change_at_run_time_and_the_rest_does_not():
    infos = {i.name: i for i in settings_fields(GroundingSettings)}
    assert infos["vocabulary_extra"].runtime_problem((), ("thermos=can",)) == ""
    assert infos["owl_query_template"].runtime_problem("a photo of a {}", "a close-up photo of a {}") == ""
    assert "cannot change while it runs" in infos["model_path"].runtime_problem("", "/models/owlv2")


def test_cli_flags_of_prompts_are_checked_too():
    from vlm_agent.cli import backend_settings_from_args, build_parser
    args = build_parser().parse_args(["ground", "d", "-c", "x", "--owl-query-template", "a photo"])
    with pytest.raises(SettingsError, match="vlm-agent ground: 'owl_query_template' must contain {}"):
        backend_settings_from_args(args)


def test_an_added_synonym_is_grounded_with_the_geometric_backend(tabletop):
    _, _, frame, truth = tabletop
    grounder = Grounder(RGBDGeometryBackend())
    before = grounder.ground(frame, "point at the thermos")
    assert before.status == "not_found" and "don't know what a 'thermo' is" in before.message
    grounder.set_vocabulary(extra_vocabulary(["thermos=can"]))
    after = grounder.ground(frame, "point at the thermos")
    assert after.status == "ok" and position_error(after.target, truth["orange_can"]) < 0.02


class FakeChatModel:
    """A chat VLM that records its prompts and reports the tabletop's orange can as a thermos."""

    def __init__(self):
        self.prompts = []

    def box_space(self, width, height):
        return width, height

    def chat(self, prompt, rgb, schema=None):
        self.prompts.append(prompt)
        if schema is None:
            return "An answer."
        return json.dumps({"objects": [{"label": "thermos", "color": "orange", "box": [500, 200, 560, 300]}]})


def test_chat_vlm_prompts_and_words_reach_the_model_past_the_frame_cache(tabletop):
    frame = tabletop[2]
    model = FakeChatModel()
    grounder = Grounder(ChatVLMBackend(model))
    assert grounder.ground(frame, "point at the thermos").status == "not_found"
    assert grounder.ground(frame, "point at the cube").status == "not_found" and len(model.prompts) == 1
    grounder.set_vocabulary(extra_vocabulary(["thermos"]))
    assert grounder.ground(frame, "point at the thermos").status == "ok"
    assert len(model.prompts) == 2 and model.prompts[-1].endswith("Use these labels where they fit: thermos.")
    grounder.backend.set_prompts("Boxes of all objects in this {width}x{height} picture, as JSON.", "Describe it.",
                                 "Q: {question}")
    grounder.ground(frame, "point at the thermos")
    assert model.prompts[-1].startswith("Boxes of all objects in this 640x480 picture, as JSON.")
    grounder.ground(frame, "describe the scene")
    grounder.ground(frame, "what is the thermos made of?")
    assert model.prompts[-2:] == ["Describe it.", "Q: what is the thermos made of?"]

