"""The node graph, described once for launch/agent.launch.py and for `vlm-agent launch`."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .core.resources import data_file


@dataclass(frozen=True)
class NodeSpec:
    name: str          # node name, also its block in config/agent.yaml
    module: str        # python -m entry point (pip/venv launcher)
    executable: str    # installed executable (ros2 launch)
    when: str = "always"  # always, sim (use_sim true), camera (use_sim false) or voice (voice on)

    @property
    def enclave(self) -> str:
        """SROS2 enclave (config/sros2/policy.xml gives each exactly what its node uses)."""
        return f"/vlm_agent/{self.name}"


NODES = (
    NodeSpec("sim", "vlm_agent.ros.sim_node", "sim_node", "sim"),
    NodeSpec("camera", "vlm_agent.ros.camera_node", "camera_node", "camera"),
    NodeSpec("guard", "vlm_agent.ros.guard_node", "guard_node"),
    NodeSpec("grounding", "vlm_agent.ros.grounding_node", "grounding_node"),
    NodeSpec("planner", "vlm_agent.ros.planner_node", "planner_node"),
    NodeSpec("people", "vlm_agent.ros.people_node", "people_node"),
    NodeSpec("voice", "vlm_agent.ros.voice_node", "voice_node", "voice"),
    NodeSpec("speech", "vlm_agent.ros.speech_node", "speech_node", "voice"),
    NodeSpec("lifecycle_manager", "vlm_agent.ros.lifecycle_manager", "lifecycle_manager"),
)


@dataclass(frozen=True)
class LaunchArgument:
    """A launch argument (and `vlm-agent launch --option`) that overrides one node parameter when set."""
    name: str
    node: str
    parameter: str
    description: str


def _launch_arguments() -> tuple[LaunchArgument, ...]:
    """Every setting whose schema names a launch argument (vlm_agent.core.settings)."""
    from .core.settings import NODE_SETTINGS, settings_fields
    arguments = []
    for node, settings_class in NODE_SETTINGS.items():
        for info in settings_fields(settings_class):
            if info.launch:
                allowed = f" Allowed: {info.allowed()}." if info.allowed() else ""
                arguments.append(LaunchArgument(info.launch, node, info.name, info.description + allowed))
    return tuple(arguments)


# '' leaves the params file's value in place
LAUNCH_ARGUMENTS = _launch_arguments()


def parameter_overrides(values: dict[str, str | None]) -> dict[str, dict[str, str]]:
    """{node: {parameter: value}} for the launch arguments given a non-empty value."""
    overrides: dict[str, dict] = {}
    for argument in LAUNCH_ARGUMENTS:
        value = values.get(argument.name)
        if value not in (None, ""):
            overrides.setdefault(argument.node, {})[argument.parameter] = typed_value(argument, str(value))
    return overrides


def typed_value(argument: LaunchArgument, text: str):
    """A launch argument's text as its setting's type ('true' for a bool, '0' stays a string)."""
    from .core.settings import NODE_SETTINGS, SettingsError, settings_fields
    info = next(i for i in settings_fields(NODE_SETTINGS[argument.node]) if i.name == argument.parameter)
    if info.kind == "bool":
        if text.lower() not in ("true", "false"):
            raise SettingsError(f"launch argument {argument.name} must be true or false, got '{text}'")
        return text.lower() == "true"
    if info.kind in ("int", "float"):
        try:
            return int(text) if info.kind == "int" else float(text)
        except ValueError as exc:
            raise SettingsError(f"launch argument {argument.name} must be a number, got '{text}'") from exc
    return text


def selected_nodes(use_sim: bool, voice: bool = False) -> list[NodeSpec]:
    return [n for n in NODES if n.when == "always" or n.when == ("sim" if use_sim else "camera")
            or (voice and n.when == "voice")]


def voice_enabled(params_file: str | Path | None = None) -> bool:
    """The params file's `voice: ros__parameters: enabled` (false unless set): whether the voice
    and speech nodes start when the launch argument `voice` / `--voice` is not given."""
    import yaml
    config = yaml.safe_load(Path(params_file or default_params_file()).read_text()) or {}
    return bool(((config.get("voice") or {}).get("ros__parameters") or {}).get("enabled", False))


def managed_nodes(params_file: str | Path | None, voice: bool) -> list[str]:
    """The lifecycle manager's node_names from the params file (or the schema default), with the
    voice node added before the guard when the voice nodes run: the manager brings up only nodes
    that were started."""
    from .core.settings.nodes import LifecycleManagerSettings
    from .core.settings.params_file import load_params_file
    settings = load_params_file(params_file or default_params_file()).get("lifecycle_manager",
                                                                           LifecycleManagerSettings())
    names = [n for n in settings.node_names if voice or n != "voice"]
    if voice and "voice" not in names:
        names.insert(names.index("guard") if "guard" in names else len(names), "voice")
    return names


def default_params_file() -> Path:
    """config/agent.yaml of this checkout or installed package."""
    return data_file("config/agent.yaml")
