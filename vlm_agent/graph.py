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
)


@dataclass(frozen=True)
class LaunchArgument:
    """A launch argument (and `vlm-agent launch --option`) that overrides one node parameter when set."""
    name: str
    node: str
    parameter: str
    description: str


# '' leaves the params file's value in place
LAUNCH_ARGUMENTS = (
    LaunchArgument("camera_source", "camera", "source", "Camera node source: device index, video, image folder or "
                   "SCENE_DIR."),
    LaunchArgument("backend", "grounding", "backend", "Grounding backend: rgbd_geometry, owl, grounding_dino, "
                   "florence2, qwen2_5_vl or remote."),
    LaunchArgument("model_path", "grounding", "model_path", "Model backend weights: checkpoint folder, name `vlm-agent "
                   "models pull` fetched, or repository id in the Hugging Face cache."),
    LaunchArgument("device", "grounding", "device", "PyTorch device of the model backend: cpu, cuda, cuda:1."),
    LaunchArgument("runtime", "grounding", "runtime", "owl runtime: torch, onnx, tensorrt or triton."),
    LaunchArgument("onnx_dir", "grounding", "onnx_dir", "Exported ONNX encoders (runtime onnx or tensorrt)."),
    LaunchArgument("triton_url", "grounding", "triton_url", "Triton server with the encoders (runtime triton)."),
    LaunchArgument("remote_url", "grounding", "remote_url", "OpenAI-compatible VLM server (backend remote)."),
    LaunchArgument("remote_model", "grounding", "remote_model", "Model name on that server."),
)


def parameter_overrides(values: dict[str, str | None]) -> dict[str, dict[str, str]]:
    """{node: {parameter: value}} for the launch arguments given a non-empty value."""
    overrides: dict[str, dict[str, str]] = {}
    for argument in LAUNCH_ARGUMENTS:
        value = values.get(argument.name)
        if value not in (None, ""):
            overrides.setdefault(argument.node, {})[argument.parameter] = str(value)
    return overrides


def selected_nodes(use_sim: bool, voice: bool = False) -> list[NodeSpec]:
    return [n for n in NODES if n.when == "always" or n.when == ("sim" if use_sim else "camera")
            or (voice and n.when == "voice")]


def voice_enabled(params_file: str | Path | None = None) -> bool:
    """The params file's `voice: ros__parameters: enabled` (false unless set): whether the voice
    and speech nodes start when the launch argument `voice` / `--voice` is not given."""
    import yaml
    config = yaml.safe_load(Path(params_file or default_params_file()).read_text()) or {}
    return bool(((config.get("voice") or {}).get("ros__parameters") or {}).get("enabled", False))


def default_params_file() -> Path:
    """config/agent.yaml of this checkout or installed package."""
    return data_file("config/agent.yaml")
