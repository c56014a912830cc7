"""`vlm-agent export-gazebo SCENE OUT_DIR`: world.sdf, bridge.yaml, gazebo_params.yaml and scene.yaml."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import yaml

from ..errors import InputError
from ..sim.scene import BUILTIN_SCENES, SceneSpec, load_scene
from .bridge import bridge_topics
from .camera import optical_from_gz_pose, pose_from_sdf
from .sdf import CAMERA_MODEL, CAMERA_SENSOR, scene_to_sdf

EXECUTOR_NODE = "gazebo_executor"


def scene_source(name_or_path: str) -> Path:
    path = Path(name_or_path)
    return BUILTIN_SCENES / f"{name_or_path}.yaml" if not path.suffix and not path.exists() else path


def camera_pose_from_sdf(sdf_text: str) -> np.ndarray:
    """base_from_camera (optical frame) of the world's rgbd_camera, from its model pose in the SDF."""
    root = ET.fromstring(sdf_text)
    model = root.find(f"world/model[@name='{CAMERA_MODEL}']")
    if model is None or model.find(f"link/sensor[@name='{CAMERA_SENSOR}']") is None:
        raise InputError(f"the SDF has no model '{CAMERA_MODEL}' with sensor '{CAMERA_SENSOR}'")
    link_pose = model.find("link/pose")
    sensor_pose = model.find(f"link/sensor[@name='{CAMERA_SENSOR}']/pose")
    base_from_gz = pose_from_sdf(model.findtext("pose", "0 0 0 0 0 0"))
    for extra in (link_pose, sensor_pose):
        if extra is not None:
            base_from_gz = base_from_gz @ pose_from_sdf(extra.text)
    return optical_from_gz_pose(base_from_gz)


def gazebo_params(scene: SceneSpec, sdf_text: str, scene_file: Path) -> dict:
    """Parameters the Gazebo launch adds to config/agent.yaml: the grounding node's static camera pose,
    and what the kinematic executor needs (the scene, the world's set_pose service)."""
    base_from_camera = camera_pose_from_sdf(sdf_text)
    return {
        "grounding": {"ros__parameters": {"base_from_camera": [round(float(v), 9) for v in base_from_camera.ravel()]}},
        EXECUTOR_NODE: {"ros__parameters": {"scene": str(scene_file), "world_name": scene.name}},
    }


def export_gazebo(scene_name: str, out_dir: Path, update_rate: float = 5.0) -> list[Path]:
    scene = load_scene(scene_name)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        scene_file = (out_dir / "scene.yaml").resolve()
        scene_file.write_text(scene_source(scene_name).read_text())
        sdf_text = scene_to_sdf(scene, update_rate)
        world = out_dir / "world.sdf"
        world.write_text(sdf_text)
        bridge = out_dir / "bridge.yaml"
        bridge.write_text("# ros_gz_bridge: parameter_bridge --ros-args -p config_file:=bridge.yaml\n" +
                          yaml.safe_dump([t.as_dict() for t in bridge_topics(scene)], sort_keys=False))
        params = out_dir / "gazebo_params.yaml"
        params.write_text("# Added to config/agent.yaml by launch/gazebo.launch.py (written by vlm-agent export-gazebo)\n"
                          + yaml.safe_dump(gazebo_params(scene, sdf_text, scene_file), sort_keys=False))
    except OSError as exc:
        raise InputError(f"cannot write to {out_dir}: {exc.strerror or exc}") from exc
    return [world, bridge, params, scene_file]
