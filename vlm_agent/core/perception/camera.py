"""Pinhole intrinsics and the ROS camera_info YAML format."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import InputError
from ..yaml_files import read_yaml
from .transforms import rigid_transform_problem


@dataclass(frozen=True)
class CameraIntrinsics:
    width: int
    height: int
    fx: float
    fy: float
    cx: float
    cy: float

    def __post_init__(self):
        if self.width <= 0 or self.height <= 0:
            raise InputError(f"camera size must be positive, got {self.width}x{self.height}")
        if not all(np.isfinite([self.fx, self.fy, self.cx, self.cy])) or self.fx <= 0 or self.fy <= 0:
            raise InputError(f"invalid focal lengths fx={self.fx} fy={self.fy}")

    @classmethod
    def from_matrix(cls, k: list[float] | np.ndarray, width: int, height: int) -> "CameraIntrinsics":
        k = np.asarray(k, dtype=float).reshape(-1)
        if k.size != 9:
            raise InputError(f"camera matrix needs 9 values, got {k.size}")
        return cls(int(width), int(height), float(k[0]), float(k[4]), float(k[2]), float(k[5]))

    @property
    def matrix(self) -> np.ndarray:
        return np.array([[self.fx, 0, self.cx], [0, self.fy, self.cy], [0, 0, 1]], dtype=float)


@dataclass(frozen=True)
class CameraCalibration:
    intrinsics: CameraIntrinsics
    base_from_camera: np.ndarray | None  # 4x4, camera optical frame -> robot base frame


def load_camera_yaml(path: str | Path) -> CameraCalibration:
    """Read a ROS camera_info YAML, plus the optional ``base_from_camera`` (16 floats, row-major).
    Errors name the file and the field."""
    path = Path(path)
    data = read_yaml(path, "camera calibration")
    if not isinstance(data, dict):
        raise InputError(f"{path.name}: expected a mapping with image_width, image_height, camera_matrix")
    return CameraCalibration(_intrinsics(data, path), _base_from_camera(data, path))


def _intrinsics(data: dict, path: Path) -> CameraIntrinsics:
    width, height = (_integer(data, key, path) for key in ("image_width", "image_height"))
    matrix = data.get("camera_matrix")
    if not isinstance(matrix, dict) or "data" not in matrix:
        raise InputError(f"{path.name}: camera_matrix.data: missing (9 numbers, row-major)")
    k = _numbers(matrix["data"], 9, "camera_matrix.data", path)
    if k[6:] != [0.0, 0.0, 1.0]:
        raise InputError(f"{path.name}: camera_matrix.data: last row is {k[6:]}, not [0, 0, 1] "
                         "(the matrix must be row-major: fx 0 cx 0 fy cy 0 0 1)")
    try:
        return CameraIntrinsics.from_matrix(k, width, height)
    except InputError as exc:
        raise InputError(f"{path.name}: camera_matrix.data: {exc}") from exc


def _base_from_camera(data: dict, path: Path) -> np.ndarray | None:
    if data.get("base_from_camera") is None:
        return None
    matrix = np.asarray(_numbers(data["base_from_camera"], 16, "base_from_camera", path)).reshape(4, 4)
    problem = rigid_transform_problem(matrix)
    if problem:
        raise InputError(f"{path.name}: base_from_camera: {problem}; it must be a rigid transform")
    return matrix


def _integer(data: dict, key: str, path: Path) -> int:
    if key not in data:
        raise InputError(f"{path.name}: {key}: missing")
    value = data[key]
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(f"{path.name}: {key}: {value!r} is not an integer")
    if value <= 0:
        raise InputError(f"{path.name}: {key}: {value} is not positive")
    return value


def _numbers(values, count: int, field: str, path: Path) -> list[float]:
    if not isinstance(values, list) or len(values) != count:
        size = len(values) if isinstance(values, list) else type(values).__name__
        raise InputError(f"{path.name}: {field}: needs {count} numbers, got {size}")
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and np.isfinite(v) for v in values):
        raise InputError(f"{path.name}: {field}: every entry must be a finite number, got {values}")
    return [float(v) for v in values]


def parse_transform(values) -> np.ndarray | None:
    if values is None:
        return None
    matrix = np.asarray(values, dtype=float)
    if matrix.size != 16 or not np.all(np.isfinite(matrix)):
        raise InputError("base_from_camera must be 16 finite numbers (row-major 4x4)")
    return matrix.reshape(4, 4)


def camera_yaml_dict(intrinsics: CameraIntrinsics, base_from_camera: np.ndarray | None = None,
                     name: str = "camera") -> dict:
    data = {
        "image_width": intrinsics.width,
        "image_height": intrinsics.height,
        "camera_name": name,
        "camera_matrix": {"rows": 3, "cols": 3, "data": [float(v) for v in intrinsics.matrix.reshape(-1)]},
        "distortion_model": "plumb_bob",
        "distortion_coefficients": {"rows": 1, "cols": 5, "data": [0.0] * 5},
    }
    if base_from_camera is not None:
        data["base_from_camera"] = [float(v) for v in np.asarray(base_from_camera).reshape(-1)]
    return data
