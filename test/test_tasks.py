"""The task pipeline in process on the simulator: decomposition, closed loop, faults, context, cancel."""
import threading

import numpy as np
import pytest

from vlm_agent.core.sim.faults import FaultConfig
from vlm_agent.core.tasks.clauses import split_clauses
from vlm_agent.core.tasks.sim_agent import sim_agent

pytestmark = pytest.mark.slow  # whole tasks in the simulator


@pytest.fixture(scope="module")
def guard():
    from vlm_agent.core.safety.guard import CommandGuard, load_guard_config
    return CommandGuard(load_guard_config(embedding=False))


@pytest.fixture
def make_agent(guard):
    worlds = []

    def make(scene="tabletop", **faults):
        agent, world = sim_agent(scene, FaultConfig(**faults), guard=guard)
        worlds.append(world)
        return agent, world
    yield make
    for world in worlds:
        world.close()


def truth(world):
    return {s.name: s.position for s in world.object_states()}


def rests_on(world, name, support, tolerance=0.05):
    t, sizes = truth(world), {o.name: o.size for o in world.scene.objects}
    expected_z = t[support][2] + sizes[support][2] / 2 + sizes[name][2] / 2
    return np.linalg.norm(t[name][:2] - t[support][:2]) < tolerance and abs(t[name][2] - expected_z) < 0.01


@pytest.mark.parametrize("text, clauses", [
    ("pick up the red cube, then put it on the plate", ["pick up the red cube", "put it on the plate"]),
    ("pick up the red cube and then put it on the plate", ["pick up the red cube", "put it on the plate"]),
    ("put the red things on the red plate and the blue things on the blue plate",
     ["put the red things on the red plate", "put the blue things on the blue plate"]),
    ("put the red cube and the blue cube on the plate", ["put the red cube on the plate", "put the blue cube on the plate"]),
    ("put the ball between the cube and the can", ["put the ball between the cube and the can"]),
    ("push the ball, point at the can and then pick up the green cube",
     ["push the ball", "point at the can", "pick up the green cube"]),
    ("Now put it on the plate.", ["put it on the plate"]),
])
def test_clauses(text, clauses):
    assert split_clauses(text) == clauses


def test_whole_flow_sequence_with_pronoun(make_agent):
    agent, world = make_agent()
    stages = []
    report = agent.run("pick up the red cube, then put it on the plate", feedback=lambda *a: stages.append(a[2]))
    assert report.status == "succeeded", report.explanation
    assert report.explanation.startswith("I will do 2 things: 1. pick up the red cube; 2. put it on the plate.")
    assert report.verdict.allowed and all(s.verdict.allowed for s in report.steps)
    for step in report.steps:
        attempt = step.attempts[-1]
        assert attempt.ok and attempt.plan is not None and attempt.plan_verdict.allowed and attempt.grounding.status == "ok"
    assert stages[:2] == ["guard", "decompose"] and {"ground", "plan", "check", "execute", "verify"} <= set(stages)
    assert rests_on(world, "red_cube", "white_plate", 0.02)
    assert report.objects["red_cube"]["held"] is False
    others = {n: p for n, p in truth(world).items() if n != "red_cube"}
    for name, position in others.items():
        assert np.linalg.norm(position - np.asarray(world.scene.objects[[o.name for o in world.scene.objects].index(name)].position + (position[2],))) < 0.02


def test_context_across_commands_and_the_other_one(make_agent):
    agent, world = make_agent("sorting")
    assert agent.run("pick up the red cube").status == "succeeded"
    assert world.held_name == "red_cube"
    report = agent.run("now put it on the white plate")
    assert report.status == "succeeded", report.explanation
    assert rests_on(world, "red_cube", "white_plate")
    report = agent.run("put the other red one on the yellow plate")
    assert report.status == "succeeded", report.explanation
    assert rests_on(world, "red_ball", "yellow_plate")


def test_quantifier_count_mismatch_is_ambiguous_and_nothing_moves(make_agent):
    agent, world = make_agent()
    before = truth(world)
    report = agent.run("put both cubes on the plate")
    assert report.status == "ambiguous" and "3" in report.explanation
    assert all(np.allclose(before[n], p, atol=1e-3) for n, p in truth(world).items())
    assert agent.run("put all the purple cubes on the plate").status == "not_found"


def test_refused_step_refuses_whole_task_before_anything_moves(make_agent):
    agent, world = make_agent()
    before = truth(world)
    report = agent.run("pick up the red cube, then throw it at the person")
    assert report.status == "refused"
    assert all(np.allclose(before[n], p, atol=1e-3) for n, p in truth(world).items())


def test_sorting_and_tower(make_agent):
    agent, world = make_agent("sorting")
    report = agent.run("put the red things on the white plate and the blue things on the yellow plate")
    assert report.status == "succeeded", report.explanation
    assert report.announcement.startswith("I will do 4 things")
    for name, plate in (("red_cube", "white_plate"), ("red_ball", "white_plate"), ("blue_cube", "yellow_plate"),
                        ("blue_can", "yellow_plate")):
        assert rests_on(world, name, plate, 0.08), name
    agent, world = make_agent()
    report = agent.run("build a tower of the cubes, largest at the bottom")
    assert report.status == "succeeded", report.explanation
    t = truth(world)
    assert sorted(round(t[n][2], 2) for n in ("red_cube", "green_cube", "blue_cube")) == [0.03, 0.07, 0.12] or \
        sorted(round(t[n][2] * 40) for n in ("red_cube", "green_cube", "blue_cube")) == [1, 3, 5]


def test_grasp_that_always_slips_is_retried_once_then_an_honest_stop(make_agent):
    agent, world = make_agent(grasp_slip=1.0)
    before = truth(world)
    report = agent.run("put the green cube on the plate")
    assert report.status == "failed"
    assert len(report.steps[0].attempts) == 2
    assert "slipped" in report.explanation and "Now: I see" in report.explanation
    assert np.linalg.norm(truth(world)["green_cube"][:2] - before["green_cube"][:2]) < 0.02
    assert not world.held_name


def test_object_moved_by_someone_else_and_destination_occupied(make_agent):
    agent, world = make_agent(move_object="blue_cube", move_before_step=2, move_to=(0.70, 0.05),
                              occupy="white_plate", occupy_before_step=1)
    report = agent.run("put all the cubes on the plate")
    assert report.status == "succeeded", report.explanation
    said = " ".join(step.explanation for step in report.steps)
    assert "moved to" in said and "free spot" in said
    t, intruder = truth(world), world.scene.objects[-1].name
    for name in ("red_cube", "green_cube", "blue_cube"):
        assert rests_on(world, name, "white_plate", 0.08), name
        assert np.linalg.norm(t[name][:2] - t[intruder][:2]) > 0.044, f"{name} placed into the intruder"


def test_cancel_halts_mid_plan(make_agent):
    agent, world = make_agent()
    cancel = threading.Event()

    def feedback(step, total, stage, message):
        if stage == "execute" and message.startswith("grasped"):
            cancel.set()
    report = agent.run("put the green cube on the plate", cancel=cancel, feedback=feedback)
    assert report.status == "canceled"
    assert not rests_on(world, "green_cube", "white_plate")


def test_plan_guard_sees_the_people_of_the_scene(guard, tmp_path):
    from vlm_agent.core.sim.scene import load_scene
    from dataclasses import replace
    scene = replace(load_scene("tabletop"), people=((0.50, 0.30),))
    agent, world = sim_agent(scene, guard=guard)
    try:
        before = truth(world)
        report = agent.run("put the red cube on the plate")
        assert report.status == "refused" and "person" in report.explanation
        assert report.steps[0].attempts[-1].plan_verdict.category == "person_nearby"
        assert all(np.allclose(before[n], p, atol=1e-3) for n, p in truth(world).items())
    finally:
        world.close()


def test_a_silent_people_detector_refuses_the_plan_and_nothing_moves(make_agent):
    from vlm_agent.core.errors import InputError
    agent, world = make_agent()

    def silent():
        raise InputError("the people detector is silent")
    agent.executor.people = silent
    before = truth(world)
    report = agent.run("put the red cube on the plate")
    assert report.status == "refused" and "people detector is silent" in report.explanation
    assert all(np.allclose(before[n], p, atol=1e-3) for n, p in truth(world).items())
