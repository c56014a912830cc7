"""Fast unit tests of the third grounding round: typing slips by edit distance (with swapped letters),
the top-face corner moment, and asking rather than picking when a small object's shape is a guess."""
import numpy as np
import pytest

from vlm_agent.core.backends import create_backend
from vlm_agent.core.language.command_parser import parse_command
from vlm_agent.core.language.typos import closest, osa_distance
from vlm_agent.core.language.vocabulary import CATEGORY_OF, COLOR_WORDS
from vlm_agent.core.perception.corner_moment import corner_moment
from vlm_agent.core.perception.grounding import Grounder
from vlm_agent.core.perception.objects import SceneObject


# ---- typing slips -------------------------------------------------------------------------------------
def test_osa_distance_counts_a_swap_of_neighbours_as_one_edit():
    assert osa_distance("cbue", "cube") == 1 and osa_distance("abll", "ball") == 1
    assert osa_distance("blu", "blue") == 1 and osa_distance("cube", "cube") == 0
    assert osa_distance("ab", "ba") == 1 and osa_distance("", "red") == 3


@pytest.mark.parametrize("slip, word", [("cbue", "cube"), ("abll", "ball"), ("blu", "blue"), ("gren", "green"),
                                        ("purpel", "purple"), ("cylidner", "cylinder"), ("yelow", "yellow")])
def test_slips_are_read_as_the_one_known_word(slip, word):
    assert closest(slip, {**COLOR_WORDS, **CATEGORY_OF}) == word


@pytest.mark.parametrize("word", ["like", "good", "wall", "nice", "bed", "the", "it"])
def test_common_short_words_are_not_read_as_known_ones(word):
    # one changed letter in a short word is another English word, not a slip ("like" is not "lime")
    assert closest(word, {**COLOR_WORDS, **CATEGORY_OF, "gold": "yellow", "ball": "sphere"}) is None


def test_a_slip_as_close_to_two_words_is_left_unread():
    assert closest("blick", {"block", "brick"}) is None


@pytest.mark.parametrize("text, color, category", [("pick up the red cbue", "red", "cube"),
                                                   ("grab the bleu abll", "blue", "sphere"),
                                                   ("lift the gren cylidner", "green", "cylinder")])
def test_commands_with_swapped_letters_parse(text, color, category):
    target = parse_command(text).target
    assert (target.color, target.category) == (color, category)


# ---- corner moment ----------------------------------------------------------------------------------
def _grid(spacing=0.003, half=0.015):
    u, v = np.meshgrid(np.arange(-half, half + 1e-9, spacing), np.arange(-half, half + 1e-9, spacing))
    return np.stack([u.ravel(), v.ravel()], axis=1)


def test_corner_moment_tells_a_square_top_from_a_disc_at_a_few_dozen_points():
    square = _grid()
    disc = square[np.hypot(square[:, 0], square[:, 1]) <= 0.015]
    angle = 0.4
    turn = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    assert 0.35 < corner_moment(square @ turn.T) < 0.5
    assert corner_moment(disc) < 0.12
    rectangle = square * np.array([2.0, 1.0])  # whitened: reads like a square, not like a disc
    assert corner_moment(rectangle) > 0.35
    assert corner_moment(square[:5]) == -1.0


def test_corner_moment_survives_depth_like_jitter():
    rng = np.random.default_rng(0)
    square, disc = _grid(), _grid()[np.hypot(*_grid().T) <= 0.015]
    jitter = lambda points: points + rng.normal(0, 0.0015, points.shape)
    assert np.mean([corner_moment(jitter(square)) for _ in range(20)]) > 0.3
    assert np.mean([corner_moment(jitter(disc)) for _ in range(20)]) < 0.2


# ---- small objects at D435 noise ----------------------------------------------------------------------
@pytest.mark.parametrize("seed", [3, 4, 5])
def test_small_cube_and_cylinder_of_one_colour_are_never_swapped(seed):
    from test_hard_grounding import _ground, _picked
    from vlm_agent.core.sim.scene import ObjectSpec
    objects = [ObjectSpec("cube", "cube", "red", (0.024,) * 3, (0.58, 0.07)),
               ObjectSpec("can", "cylinder", "red", (0.024, 0.024, 0.03), (0.6, -0.09))]
    for command, expected in (("pick up the small red block", "cube"), ("pick up the small red can", "can")):
        result, truth = _ground(objects, command, seed=seed)
        assert result.status != "ok" or _picked(result, truth)[0] == expected, (command, result.message)


# ---- asking about small objects --------------------------------------------------------------------
def _object(size, label="cylinder", scores=(("cube", 0.6),)):
    return SceneObject("obj_0", label, (0, 0, 10, 10), color="blue", center_base=np.array([0.5, 0.0, 0.02]),
                       size=np.array(size), label_scores=scores)


def test_a_small_object_named_by_its_second_reading_is_asked_about_not_taken():
    grounder = Grounder(create_backend("rgbd_geometry"))
    result = grounder._resolve_command(parse_command("pick up the blue cube"), [_object((0.025, 0.025, 0.03))], None)
    assert result.status == "ambiguous" and "small" in result.message
    result = grounder._resolve_command(parse_command("pick up the blue cylinder"), [_object((0.025, 0.025, 0.03))],
                                       None)
    assert result.status == "ok"  # its own reading
    result = grounder._resolve_command(parse_command("pick up the blue cube"), [_object((0.06, 0.06, 0.06))], None)
    assert result.status == "ok"  # large: a measured second reading is evidence


def test_a_small_cube_called_a_box_is_taken_a_box_is_what_a_cube_is():
    grounder = Grounder(create_backend("rgbd_geometry"))
    cube = _object((0.03, 0.03, 0.03), label="cube", scores=(("cube", 1.0), ("box", 0.3)))
    assert grounder._resolve_command(parse_command("pick up the blue box"), [cube], None).status == "ok"
