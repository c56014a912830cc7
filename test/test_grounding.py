"""Grounding on the simulator's RGB-D, checked against its ground truth."""
import numpy as np
import pytest
from conftest import position_error

from vlm_agent.core.perception.frame import RGBDFrame


def test_red_cube_within_two_centimetres(tabletop, grounder):
    _, _, frame, truth = tabletop
    result = grounder.ground(frame, "pick up the red cube")
    assert result.status == "ok" and result.target.obj.label == "cube" and result.target.obj.color == "red"
    assert position_error(result.target, truth["red_cube"]) < 0.02
    assert set(result.stage_latency_ms) == {"parse", "propose", "resolve"}


@pytest.mark.parametrize("text, expected", [
    ("pick the second cube from the left", "blue_cube"),
    ("pick the cube left of the blue cube", "red_cube"),
    ("grab the cube closest to the plate", "red_cube"),
    ("point at the tallest object", "orange_can"),
    ("pick up the football", "yellow_ball"),  # synonym through sentence embeddings
    ("push the cube between the red cube and the green cube", "blue_cube"),
    ("pick the last cube from the left", "green_cube"),
])
def test_referring_expressions(tabletop, grounder, text, expected):
    _, _, frame, truth = tabletop
    result = grounder.ground(frame, text)
    assert result.status == "ok", result.message
    assert position_error(result.target, truth[expected]) < 0.02


def test_absent_object_says_what_is_there(tabletop, grounder):
    result = grounder.ground(tabletop[2], "pick up the purple cube")
    assert result.status == "not_found"
    assert "no purple cube" in result.message and "red cube" in result.message


def test_several_equal_matches_are_ambiguous_with_a_question(tabletop, grounder):
    result = grounder.ground(tabletop[2], "pick up the cube")
    assert result.status == "ambiguous" and result.target is None
    assert len(result.candidates) == 3 and "?" in result.message


def test_place_command_finds_target_and_destination(tabletop, grounder):
    _, _, frame, truth = tabletop
    result = grounder.ground(frame, "pick up the red cube and put it on the plate")
    assert result.status == "ok" and result.action == "place" and result.destination_relation == "on"
    assert position_error(result.destination, truth["white_plate"]) < 0.02


def test_count_and_describe(tabletop, grounder):
    assert grounder.ground(tabletop[2], "how many cubes are there").answer == "I count 3 cubes."
    assert "yellow sphere" in grounder.ground(tabletop[2], "describe the scene").answer


def test_unknown_command_is_an_error(tabletop, grounder):
    result = grounder.ground(tabletop[2], "blorp the zork")
    assert result.status == "error" and "did not understand" in result.message


def test_without_extrinsics_poses_stay_in_camera_frame(tabletop, grounder):
    _, rendered, frame, truth = tabletop
    camera_only = RGBDFrame(rendered.rgb, rendered.depth_m, frame.intrinsics, key="camera-only")
    result = grounder.ground(camera_only, "pick up the red cube")
    assert result.status == "ok" and result.target.obj.center_base is None
    expected = np.linalg.inv(frame.base_from_camera) @ np.append(truth["red_cube"].position, 1)
    assert np.linalg.norm(result.target.obj.center_camera - expected[:3]) < 0.02


def test_cube_yaw_on_the_table_matches_ground_truth(tabletop, grounder):
    _, _, frame, truth = tabletop
    for name in ("red_cube", "blue_cube", "green_cube"):
        x, y, z, w = truth[name].quaternion
        true_yaw = np.arctan2(2 * (w * z + x * y), 1 - 2 * (y * y + z * z))
        result = grounder.ground(frame, f"pick up the {name.split('_')[0]} cube")
        error = (result.target.obj.yaw_base - true_yaw + np.pi / 4) % (np.pi / 2) - np.pi / 4  # a cube repeats every 90°
        assert abs(np.degrees(error)) < 3, name


@pytest.mark.parametrize("text", ["put the green in front of on the pink can", "pick up the cube in front of",
                                  "pick the ball between the cube", "put the red cube between",
                                  "pick up the cube between the cube and", "put it in front of on"])
def test_truncated_relations_are_answered_not_raised(tabletop, grounder, text):
    result = grounder.ground(tabletop[2], text)
    assert result.status in ("ok", "ambiguous", "not_found", "error") and result.message


def test_a_relation_without_a_reference_holds_for_nothing(tabletop, grounder):
    from dataclasses import replace
    from vlm_agent.core.language.command_parser import parse_command
    phrase = parse_command("pick up the cube left of the plate").target
    no_reference = replace(phrase, relation=replace(phrase.relation, references=()))
    objects = grounder.backend.propose(tabletop[2])
    assert grounder.matches(no_reference, objects) == []
