import os

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
# the DDS profile the project's launcher uses, set before any rclpy.init() in this process
from vlm_agent.launcher import use_project_dds_profile  # noqa: E402

use_project_dds_profile()


def pytest_collection_modifyitems(items):
    """Tests over real DDS belong to the slow set: the fast set is the in-process core."""
    for item in items:
        if item.get_closest_marker("ros") is not None:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def tabletop():
    """The built-in scene rendered once: (scene spec, rendered frame, RGBDFrame, ground truth by name)."""
    from vlm_agent.core.perception.frame import RGBDFrame
    from vlm_agent.core.sim.scene import load_scene
    from vlm_agent.core.sim.world import TabletopWorld
    scene = load_scene("tabletop")
    world = TabletopWorld(scene)
    rendered = world.render()
    truth = {s.name: s for s in world.object_states()}
    world.close()
    frame = RGBDFrame(rendered.rgb, rendered.depth_m, scene.camera.intrinsics, scene.camera.base_from_camera(),
                      key="tabletop")
    return scene, rendered, frame, truth


@pytest.fixture(scope="session")
def grounder():
    from vlm_agent.core.backends import create_backend
    from vlm_agent.core.perception.grounding import Grounder
    from vlm_agent.core.language.synonyms import SynonymResolver
    return Grounder(create_backend("rgbd_geometry"), SynonymResolver())


def position_error(result_match, truth_state) -> float:
    return float(np.linalg.norm(np.asarray(result_match.obj.center_base) - truth_state.position))


@pytest.fixture
def ros():
    """rclpy initialised for one test."""
    pytest.importorskip("rclpy")
    from ros_helpers import rclpy
    with rclpy.init():
        yield


@pytest.fixture(autouse=True, scope="session")
def private_ros_domain(tmp_path_factory):
    """This test run talks only to itself: its own ROS domain, discovered on this machine only,
    and its own gate key (never the user's). Runs side by side on one machine can fix distinct
    domains with VLM_AGENT_TEST_DOMAIN_SEED."""
    from vlm_agent.core.safety.signing import KEY_FILE_VARIABLE
    from vlm_agent.launcher import use_private_ros_domain
    os.environ[KEY_FILE_VARIABLE] = str(tmp_path_factory.mktemp("gate") / "gate.key")
    seed = os.environ.get("VLM_AGENT_TEST_DOMAIN_SEED")
    return use_private_ros_domain(int(seed) if seed else None)


@pytest.fixture(autouse=True, scope="module")
def ros_domain_per_module(private_ros_domain):
    """Each test module on a domain of its own, so graphs started and stopped by earlier modules
    (their DDS ports and shared-memory segments) never meet this one's."""
    from vlm_agent.launcher import use_next_private_ros_domain
    return use_next_private_ros_domain()
