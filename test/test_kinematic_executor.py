"""The Gazebo executor's kinematic world runs plans as the built-in simulator does, and every pose
change becomes one set_pose request for the model it moved."""
from types import SimpleNamespace

import numpy as np
import pytest

from vlm_agent.core.planning.planner import plan_command
from vlm_agent.core.sim.kinematic import KinematicWorld
from vlm_agent.core.sim.scene import load_scene
from vlm_agent.core.sim.world import TabletopWorld
from vlm_agent.ros.gazebo_executor_node import ENTITY_MODEL, set_pose_request


@pytest.mark.parametrize("command, moved", [
    ("pick up the red cube", "red_cube"), ("put the red cube on the white plate", "red_cube"),
    ("push the blue cube", "blue_cube"), ("put the green cube to the left of the blue cube", "green_cube"),
    ("point at the yellow ball", None)])
def test_plans_end_where_the_built_in_simulator_ends_them(grounder, tabletop, command, moved):
    plan = plan_command(grounder.ground(tabletop[2], command), "c1").plan
    sent = []
    kinematic = KinematicWorld(load_scene("tabletop"), lambda name, p, q: sent.append((name, p.copy(), q.copy())))
    reference = TabletopWorld(load_scene("tabletop"))
    try:
        execution = kinematic.start(plan)
        while not execution.advance(0.02):
            pass
        reference_log = reference.execute(plan)
        assert execution.log == reference_log
        assert kinematic.held_name == reference.held_name and kinematic.plans_executed == 1
        truth = {s.name: s.position for s in reference.object_states()}
        for item in kinematic.objects:
            assert np.linalg.norm(item.position - truth[item.name]) < 0.01, (item.name, item.position, truth[item.name])
        assert {name for name, _, _ in sent} == ({moved} if moved else set())
        if moved:  # the last pose sent is where the object is
            name, position, quaternion = sent[-1]
            assert np.allclose(position, next(o.position for o in kinematic.objects if o.name == name))
            assert np.isclose(np.linalg.norm(quaternion), 1.0)
    finally:
        reference.close()


def test_a_set_pose_request_names_the_model_and_its_pose():
    request = SimpleNamespace(entity=SimpleNamespace(name="", type=0), pose=SimpleNamespace(
        position=SimpleNamespace(x=0.0, y=0.0, z=0.0), orientation=SimpleNamespace(x=0.0, y=0.0, z=0.0, w=1.0)))
    set_pose_request(request, "red_cube", np.array([0.5, 0.1, 0.2]), np.array([0.0, 0.0, 0.38941834, 0.92106099]))
    assert (request.entity.name, request.entity.type) == ("red_cube", ENTITY_MODEL) and ENTITY_MODEL == 2
    assert (request.pose.position.x, request.pose.position.y, request.pose.position.z) == (0.5, 0.1, 0.2)
    assert request.pose.orientation.z == pytest.approx(0.38941834) and request.pose.orientation.w == pytest.approx(
        0.92106099)
