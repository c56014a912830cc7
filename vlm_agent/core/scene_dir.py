"""SCENE_DIR: rgb.png (8-bit RGB), depth.png (16-bit mm, 0 = none), camera.yaml (ROS camera_info)."""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import yaml

from .camera import CameraIntrinsics, camera_yaml_dict, load_camera_yaml
from .errors import InputError
from .frame import RGBDFrame


def read_rgb(path: Path) -> np.ndarray:
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise InputError(f"cannot read colour image {path}")
    return image[:, :, ::-1].copy()


def read_scene_dir(directory: str | Path) -> RGBDFrame:
    directory = Path(directory)
    if not directory.is_dir():
        raise InputError(f"{directory} is not a directory (expected rgb.png, depth.png, camera.yaml)")
    rgb = read_rgb(directory / "rgb.png")
    depth_path, camera_path = directory / "depth.png", directory / "camera.yaml"
    depth = None
    if depth_path.exists():
        raw = cv2.imread(str(depth_path), cv2.IMREAD_UNCHANGED)
        if raw is None or raw.dtype != np.uint16 or raw.ndim != 2:
            raise InputError(f"{depth_path} must be a single-channel 16-bit PNG in millimetres")
        depth = raw.astype(np.float32) / 1000.0
        depth[raw == 0] = np.nan
    calibration = load_camera_yaml(camera_path) if camera_path.exists() else None
    if depth is not None and calibration is None:
        raise InputError(f"{camera_path} is missing: depth needs the camera intrinsics")
    return RGBDFrame(rgb, depth, calibration.intrinsics if calibration else None,
                     calibration.base_from_camera if calibration else None, key=str(directory.resolve()))


def write_scene_dir(directory: str | Path, rgb: np.ndarray, depth_m: np.ndarray, intrinsics: CameraIntrinsics,
                    base_from_camera: np.ndarray | None = None) -> Path:
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(directory / "rgb.png"), rgb[:, :, ::-1])
    millimetres = np.nan_to_num(depth_m * 1000.0, nan=0.0).round().clip(0, 65535).astype(np.uint16)
    cv2.imwrite(str(directory / "depth.png"), millimetres)
    (directory / "camera.yaml").write_text(yaml.safe_dump(camera_yaml_dict(intrinsics, base_from_camera),
                                                          sort_keys=False))
    return directory
