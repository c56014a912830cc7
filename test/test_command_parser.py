import pytest

from vlm_agent.core.language.command_parser import parse_command
from vlm_agent.core.errors import InputError


@pytest.mark.parametrize("text, action, category, color", [
    ("Pick up the red cube", "pick", "cube", "red"),
    ("please, could you GRAB the red block?!", "pick", "cube", "red"),
    ("pik up the blu cub", "pick", "cube", "blue"),
    ("take the mug", "pick", "cup", None),
    ("push the big ball", "push", "sphere", None),
    ("point at the can", "point_at", "cylinder", None),
    ("where is the yellow ball", "find", "sphere", "yellow"),
    ("how many cubes are there?", "count", "cube", None),
    ("look at the green cube", "look_at", "cube", "green"),
])
def test_actions_and_attributes(text, action, category, color):
    parsed = parse_command(text)
    assert (parsed.action, parsed.target.category, parsed.target.color) == (action, category, color)


def test_shades_sizes_superlatives_and_ordinals():
    assert parse_command("grab the dark blue block").target.shade == "dark"
    assert parse_command("pick the small cube").target.size == "small"
    assert parse_command("pick the tallest object").target.superlative == ("height", "max")
    second = parse_command("pick the second cube from the right").target
    assert (second.ordinal, second.ordinal_direction) == (2, "right")
    assert parse_command("pick the last bottle").target.ordinal == -1


def test_relations_and_negation():
    target = parse_command("put the red mug left of the laptop into the bowl").target
    assert target.relation.kind == "left_of" and target.relation.references[0].category == "laptop"
    between = parse_command("pick the cube between the red ball and the blue cube").target.relation
    assert between.kind == "between" and [r.color for r in between.references] == ["red", "blue"]
    assert parse_command("grab the cube that is not red").target.excluded_colors == ("red",)
    assert parse_command("pick any ball except the green one").target.excluded_colors == ("green",)
    assert parse_command("point at the ball closest to the robot").target.superlative == ("robot_distance", "min")


def test_destinations_and_two_step_commands():
    parsed = parse_command("put the red mug left of the laptop into the bowl")
    assert (parsed.action, parsed.destination.category, parsed.destination_relation) == ("place", "bowl", "in")
    parsed = parse_command("pick up the red cube and put it in the bowl")
    assert (parsed.action, parsed.target.color, parsed.destination.category) == ("place", "red", "bowl")
    parsed = parse_command("put the cube to the left of the box")
    assert (parsed.target.category, parsed.destination_relation, parsed.destination.category) == \
        ("cube", "left_of", "box")


def test_unknown_words_never_crash():
    assert parse_command("asdf qwer").action == "unknown"
    assert parse_command("pick up the flurb").target.noun == "flurb"


@pytest.mark.parametrize("text", ["", "   ", "x" * 501])
def test_empty_and_oversized_commands_are_errors(text):
    with pytest.raises(InputError):
        parse_command(text)
