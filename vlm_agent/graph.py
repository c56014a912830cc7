"""The node graph, described once for launch/agent.launch.py and for `vlm-agent launch`."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class NodeSpec:
    name: str          # node name, also its block in config/agent.yaml
    module: str        # python -m entry point (pip/venv launcher)
    executable: str    # installed executable (ros2 launch)
    when: str = "always"  # always, sim (use_sim true) or camera (use_sim false)


NODES = (
    NodeSpec("sim", "vlm_agent.ros.sim_node", "sim_node", "sim"),
    NodeSpec("camera", "vlm_agent.ros.camera_node", "camera_node", "camera"),
    NodeSpec("guard", "vlm_agent.ros.guard_node", "guard_node"),
    NodeSpec("grounding", "vlm_agent.ros.grounding_node", "grounding_node"),
    NodeSpec("planner", "vlm_agent.ros.planner_node", "planner_node"),
)


def selected_nodes(use_sim: bool) -> list[NodeSpec]:
    return [n for n in NODES if n.when == "always" or n.when == ("sim" if use_sim else "camera")]


def default_params_file() -> Path:
    """config/agent.yaml of the installed ROS package, else of this source checkout."""
    try:
        from ament_index_python.packages import get_package_share_directory
        candidate = Path(get_package_share_directory("vlm_agent")) / "config" / "agent.yaml"
        if candidate.exists():
            return candidate
    except Exception:  # not a colcon install: fall back to the checkout
        pass
    return Path(__file__).resolve().parents[1] / "config" / "agent.yaml"
