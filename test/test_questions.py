"""Questions about the scene: parsed as "ask", answered by a VLM backend when it has one, otherwise
from the objects the core sees (existence, colour); open questions without a VLM get a clear error."""
import pytest

from vlm_agent.core.backends import create_backend
from vlm_agent.core.language.command_parser import parse_command
from vlm_agent.core.perception.grounding import Grounder
from vlm_agent.core.planning.planner import plan_command


@pytest.mark.parametrize("text, kind, category, color", [
    ("Is there a red cube?", "exists", "cube", "red"),
    ("are there any balls", "exists", "sphere", None),
    ("What colour is the ball?", "color", "sphere", None),
    ("what color is the can left of the plate", "color", "cylinder", None),
    ("Why is the sky blue?", "open", None, None),
    ("how heavy is the can", "open", None, None),
])
def test_questions_parse(text, kind, category, color):
    parsed = parse_command(text)
    assert parsed.action == "ask" and parsed.question_kind == kind
    if category:
        assert parsed.target.category == category and parsed.target.color == color


def test_commands_and_other_questions_keep_their_actions():
    assert parse_command("where is the red cube?").action == "find"
    assert parse_command("how many cubes are there?").action == "count"
    assert parse_command("what do you see?").action == "describe"
    assert parse_command("can you pick up the red cube?").action == "pick"
    assert parse_command("banana dance").action == "unknown"


def test_core_answers_existence_and_colour_from_what_it_sees(grounder, tabletop):
    frame = tabletop[2]
    yes = grounder.ground(frame, "Is there a red cube?")
    assert yes.status == "ok" and yes.answer == "Yes, I see 1 red cube." and yes.action == "ask"
    cubes = grounder.ground(frame, "are there any cubes?")
    assert cubes.answer == "Yes, I see 3 cubes."
    assert grounder.ground(frame, "are there any blocks").answer == "Yes, I see 3 blocks."  # in the user's words
    no = grounder.ground(frame, "is there a purple cube?")
    assert no.status == "ok" and no.answer == "No, I see no purple cube."
    colour = grounder.ground(frame, "what colour is the ball?")
    assert colour.status == "ok" and colour.answer == "The ball is yellow."
    assert colour.target.obj.label == "sphere"
    ambiguous = grounder.ground(frame, "what colour is the cube?")
    assert ambiguous.status == "ambiguous" and "?" in ambiguous.message


def test_open_question_without_a_vlm_says_which_backends_answer(grounder, tabletop):
    result = grounder.ground(tabletop[2], "Why is the can there?")
    assert result.status == "error"
    assert "qwen2_5_vl" in result.message and "remote" in result.message and "rgbd_geometry" in result.message


def test_vlm_answer_wins_and_an_answer_never_moves_the_robot(tabletop):
    class AnsweringBackend(type(create_backend("rgbd_geometry"))):
        proposals = 0

        def answer(self, frame, question):
            return f"{question} -> the can is empty"

        def propose(self, frame):
            self.proposals += 1
            return super().propose(frame)

    backend = AnsweringBackend()
    result = Grounder(backend).ground(tabletop[2], "Is the can empty?")
    assert result.status == "ok" and result.answer == "Is the can empty? -> the can is empty"
    assert backend.proposals == 0  # the model answers from the image: no object pass before it
    outcome = plan_command(result, "q1")
    assert outcome.plan is None and outcome.explanation == result.answer
