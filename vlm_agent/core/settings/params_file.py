"""config/agent.yaml (Nav2 style: a block per node) checked against the settings schema."""
from __future__ import annotations

from pathlib import Path

from ..yaml_files import read_yaml
from .nodes import NODE_SETTINGS
from .schema import SettingsError, settings_from

ROS_PARAMETERS = {"use_sim_time": bool}  # every rclpy node declares these itself


def load_params_file(path: str | Path, nodes: dict | None = None) -> dict[str, object]:
    """{node name: settings instance} for every block of the file; an unknown block, an unknown key or
    a value of the wrong type raises SettingsError naming the file, the node and the key."""
    nodes = NODE_SETTINGS if nodes is None else nodes
    path = Path(path)
    content = read_yaml(path, "parameters file", SettingsError)
    if not isinstance(content, dict):
        raise SettingsError(f"{path}: expected a block per node (node: ros__parameters: ...), got {type(content).__name__}")
    loaded, problems = {}, []
    for node, block in content.items():
        if node not in nodes:
            problems.append(f"{path}: unknown node block '{node}' (known: {', '.join(nodes)})")
            continue
        if not isinstance(block, dict) or set(block) != {"ros__parameters"} or \
                not isinstance(block["ros__parameters"], dict):
            problems.append(f"{path}: block '{node}' must hold exactly one 'ros__parameters' mapping")
            continue
        params = dict(block["ros__parameters"])
        for name, kind in ROS_PARAMETERS.items():
            if name in params and not isinstance(params.pop(name), kind):
                problems.append(f"{path} [{node}]: '{name}' must be {kind.__name__}")
        try:
            loaded[node] = settings_from(nodes[node], params, f"{path} [{node}]")
        except SettingsError as exc:
            problems.append(str(exc))
    if problems:
        raise SettingsError("; ".join(problems))
    return loaded
