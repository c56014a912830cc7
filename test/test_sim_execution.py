"""Plans run over time on the simulated arm and stop at once when halted."""
import numpy as np
import pytest

from vlm_agent.core.errors import InputError
from vlm_agent.core.objects import Plan, PlanStep
from vlm_agent.core.planner import plan_command
from vlm_agent.core.sim.scene import load_scene
from vlm_agent.core.sim.world import TabletopWorld


@pytest.fixture
def world():
    w = TabletopWorld(load_scene("tabletop"))
    yield w
    w.close()


def _pick_plan(world, grounder, tabletop):
    result = grounder.ground(tabletop[2], "pick up the red cube")
    return plan_command(result, "c1").plan


def _position(world, name):
    return next(s.position for s in world.object_states() if s.name == name)


def test_a_pick_takes_the_time_its_path_and_speeds_need_and_ends_holding(world, grounder, tabletop):
    plan = _pick_plan(world, grounder, tabletop)
    start = world.gripper_position.copy()
    waypoints = [start] + [np.asarray(s.position) for s in plan.steps]
    least = sum(np.linalg.norm(b - a) / s.max_speed for a, b, s in zip(waypoints, waypoints[1:], plan.steps))
    execution, elapsed = world.start(plan), 0.0
    while not execution.advance(0.05):
        elapsed += 0.05
    assert elapsed + 0.05 >= least * 0.99
    assert world.held_name == "red_cube" and world.plans_executed == 1
    assert len(execution.log) == len(plan.steps) and "grasped red_cube" in execution.log


def test_halting_stops_the_gripper_short_and_nothing_moves_afterwards(world, grounder, tabletop):
    plan = _pick_plan(world, grounder, tabletop)
    cube_before = _position(world, "red_cube")
    execution = world.start(plan)
    execution.advance(0.3)
    execution.halt("stop")
    where = world.gripper_position.copy()
    assert execution.halted and not execution.done and "halted at step" in execution.progress
    assert not execution.advance(5.0)
    assert np.allclose(world.gripper_position, where)
    assert world.held_name == "" and world.plans_executed == 0
    assert np.allclose(_position(world, "red_cube"), cube_before, atol=1e-3)


@pytest.mark.parametrize("step", [PlanStep("move_to", (np.nan, 0.0, 0.1), max_speed=0.1),
                                  PlanStep("move_to", (0.5, 0.0, 0.1), max_speed=0.0)])
def test_an_invalid_step_is_refused_before_anything_moves(world, step):
    plan = Plan("c1", "base_link", (PlanStep("move_to", (0.4, 0.0, 0.2), max_speed=0.1), step))
    before = world.gripper_position.copy()
    with pytest.raises(InputError, match="step 2"):
        world.start(plan)
    assert np.allclose(world.gripper_position, before)
