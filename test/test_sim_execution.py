"""Plans run over time on the simulated arm and stop at once when halted."""
import numpy as np
import pytest

from vlm_agent.core.errors import InputError
from vlm_agent.core.perception.objects import Plan, PlanStep
from vlm_agent.core.planning.planner import plan_command
from vlm_agent.core.sim.scene import load_scene
from vlm_agent.core.sim.world import TabletopWorld

TICK = 0.02


@pytest.fixture
def world():
    w = TabletopWorld(load_scene("tabletop"))
    yield w
    w.close()


def _plan(grounder, tabletop, command):
    plan = plan_command(grounder.ground(tabletop[2], command), "c1").plan
    assert plan is not None, command
    return plan


def _positions(world):
    return {s.name: s.position for s in world.object_states()}


def _least_time(start, plan):
    waypoints = [start] + [np.asarray(s.position) for s in plan.steps]
    return sum(np.linalg.norm(b - a) / s.max_speed for a, b, s in zip(waypoints, waypoints[1:], plan.steps))


@pytest.mark.parametrize("command", ["pick up the red cube", "push the blue cube",
                                     "put the red cube on the white plate"])
def test_small_ticks_take_path_over_speed_and_end_as_execute_does(world, grounder, tabletop, command):
    plan = _plan(grounder, tabletop, command)
    least = _least_time(world.gripper_position, plan)
    execution, ticks = world.start(plan), 1
    while not execution.advance(TICK):
        ticks += 1
    assert (ticks - 1) * TICK < least <= ticks * TICK + 1e-9
    reference = TabletopWorld(load_scene("tabletop"))
    try:
        assert execution.log == reference.execute(plan)
        assert world.held_name == reference.held_name and world.plans_executed == reference.plans_executed == 1
        assert np.allclose(world.gripper_position, reference.gripper_position)
        for name, position in _positions(reference).items():
            assert np.allclose(_positions(world)[name], position, atol=2e-3), name
    finally:
        reference.close()
    assert execution.done and execution.step_index == execution.total_steps == len(execution.log)


def test_a_pick_run_in_ticks_ends_holding_the_cube_above_the_table(world, grounder, tabletop):
    execution = world.start(_plan(grounder, tabletop, "pick up the red cube"))
    while not execution.advance(TICK):
        pass
    assert world.held_name == "red_cube" and "grasped red_cube" in execution.log
    assert np.allclose(_positions(world)["red_cube"], world.gripper_position)
    assert world.gripper_position[2] > 0.15


def test_the_gripper_moves_in_a_straight_line_at_the_step_speed(world):
    start, target = world.gripper_position.copy(), np.array([0.5, 0.2, 0.2])
    execution = world.start(Plan("c1", "base_link", (PlanStep("move_to", tuple(target), max_speed=0.1),)))
    execution.advance(0.5)
    direction = (target - start) / np.linalg.norm(target - start)
    assert np.allclose(world.gripper_position, start + 0.05 * direction)
    assert execution.progress == "step 1 of 1" and not execution.done


def test_a_halt_after_a_few_ticks_stops_short_and_nothing_moves_afterwards(world, grounder, tabletop):
    plan = _plan(grounder, tabletop, "pick up the red cube")
    before = _positions(world)
    execution = world.start(plan)
    for _ in range(3):
        execution.advance(TICK)
    execution.halt("'stop'")
    where = world.gripper_position.copy()
    assert execution.halted and not execution.done
    assert execution.progress == "halted at step 1 of 4 (move_to): 'stop'"
    assert np.linalg.norm(np.asarray(plan.steps[0].position) - where) > 0.05
    assert not execution.advance(5.0)
    assert np.allclose(world.gripper_position, where) and execution.step_index == 0 and execution.log == []
    assert world.held_name == "" and world.plans_executed == 0
    for name, position in _positions(world).items():
        assert np.allclose(position, before[name], atol=1e-3), name


def test_a_halt_while_lifting_keeps_the_cube_in_the_gripper(world, grounder, tabletop):
    plan = _plan(grounder, tabletop, "pick up the red cube")
    execution = world.start(plan)
    while plan.steps[execution.step_index].action != "move_to" or world.held_name != "red_cube":
        execution.advance(TICK)
    execution.advance(TICK)
    execution.halt("e-stop")
    where = world.gripper_position.copy()
    assert execution.progress == "halted at step 4 of 4 (move_to): e-stop"
    execution.advance(5.0)
    world.settle()
    assert world.held_name == "red_cube" and np.allclose(world.gripper_position, where)
    assert np.allclose(_positions(world)["red_cube"], where, atol=1e-6)
    assert where[2] < plan.steps[-1].position[2]


def test_a_halt_after_the_last_step_changes_nothing(world):
    execution = world.start(Plan("c1", "base_link", (PlanStep("move_to", (0.4, 0.0, 0.2)),)))
    assert execution.advance(10.0)
    execution.halt("late")
    assert execution.done and not execution.halted and execution.progress == "done: 1 of 1 steps"
    assert world.plans_executed == 1


def test_an_empty_plan_finishes_on_its_first_tick(world):
    execution = world.start(Plan("c1", "base_link", ()))
    execution.halt("nothing to stop")
    assert execution.advance(0.0) and not execution.halted and world.plans_executed == 1


@pytest.mark.parametrize("step", [PlanStep("move_to", (np.nan, 0.0, 0.1), max_speed=0.1),
                                  PlanStep("move_to", (0.5, np.inf, 0.1), max_speed=0.1),
                                  PlanStep("move_to", (0.5, 0.0, 0.1), max_speed=0.0),
                                  PlanStep("move_to", (0.5, 0.0, 0.1), max_speed=-0.1),
                                  PlanStep("move_to", (0.5, 0.0, 0.1), max_speed=np.nan)])
def test_an_invalid_step_is_refused_before_anything_moves(world, step):
    plan = Plan("c1", "base_link", (PlanStep("pick", (0.5, 0.12, 0.025), gripper="close"), step))
    before, gripper = _positions(world), world.gripper_position.copy()
    with pytest.raises(InputError, match=r"step 2 \(move_to\)"):
        world.start(plan)
    with pytest.raises(InputError, match=r"step 2 \(move_to\)"):
        world.execute(plan)
    assert np.allclose(world.gripper_position, gripper) and world.held_name == "" and world.plans_executed == 0
    for name, position in _positions(world).items():
        assert np.allclose(position, before[name]), name


@pytest.mark.parametrize("transform", [np.full((4, 4), np.nan), np.eye(3)])
def test_a_bad_frame_transform_is_refused(world, transform):
    plan = Plan("c1", "camera", (PlanStep("move_to", (0.0, 0.0, 0.5)),))
    with pytest.raises(InputError):
        world.start(plan, transform)


def test_sim_clock_advances_by_whole_ticks_from_zero():
    from vlm_agent.core.sim.clock import SimClock
    clock = SimClock(0.02 * 4.0)  # the control period times speedup
    assert clock.now_ns == 0 and clock.tick() == 80_000_000
    for _ in range(999):
        clock.tick()
    assert clock.now_ns == 80 * 10**9  # no drift from adding floats
    with pytest.raises(ValueError, match="must advance"):
        SimClock(0.0)
