"""Camera poses between the two conventions: a gz camera sensor looks along its +x (y left, z up);
the optical frame the grounding node works in looks along +z (x right, y down)."""
from __future__ import annotations

import numpy as np

from ..sim.scene import CameraSpec

# columns: the optical frame's x, y, z axes written in the gz camera frame
GZ_FROM_OPTICAL = np.array([[0.0, 0.0, 1.0],
                            [-1.0, 0.0, 0.0],
                            [0.0, -1.0, 0.0]])


def gz_camera_pose(camera: CameraSpec) -> np.ndarray:
    """4x4 pose of the gz camera frame in the base (= world) frame."""
    base_from_optical = camera.base_from_camera()
    pose = base_from_optical.copy()
    pose[:3, :3] = base_from_optical[:3, :3] @ GZ_FROM_OPTICAL.T
    return pose


def optical_from_gz_pose(base_from_gz: np.ndarray) -> np.ndarray:
    """The grounding node's base_from_camera (optical frame) for a gz camera at `base_from_gz`."""
    pose = np.asarray(base_from_gz, float).copy()
    pose[:3, :3] = pose[:3, :3] @ GZ_FROM_OPTICAL
    return pose


def rpy_from_matrix(rotation: np.ndarray) -> tuple[float, float, float]:
    """SDF's roll, pitch, yaw (fixed axes x, y, z: R = Rz(yaw) Ry(pitch) Rx(roll))."""
    r = np.asarray(rotation, float)
    pitch = float(np.arcsin(-np.clip(r[2, 0], -1.0, 1.0)))
    if abs(r[2, 0]) < 1 - 1e-9:
        roll, yaw = float(np.arctan2(r[2, 1], r[2, 2])), float(np.arctan2(r[1, 0], r[0, 0]))
    else:  # gimbal lock: yaw carries the whole rotation about z
        roll, yaw = 0.0, float(np.arctan2(-r[0, 1], r[1, 1]))
    return roll, pitch, yaw


def matrix_from_rpy(roll: float, pitch: float, yaw: float) -> np.ndarray:
    cr, sr, cp, sp, cy, sy = np.cos(roll), np.sin(roll), np.cos(pitch), np.sin(pitch), np.cos(yaw), np.sin(yaw)
    rx = np.array([[1, 0, 0], [0, cr, -sr], [0, sr, cr]])
    ry = np.array([[cp, 0, sp], [0, 1, 0], [-sp, 0, cp]])
    rz = np.array([[cy, -sy, 0], [sy, cy, 0], [0, 0, 1]])
    return rz @ ry @ rx


def pose_from_sdf(text: str) -> np.ndarray:
    """4x4 from an SDF <pose> value 'x y z roll pitch yaw'."""
    values = [float(v) for v in text.split()]
    if len(values) != 6:
        raise ValueError(f"an SDF pose has 6 numbers (x y z roll pitch yaw), got '{text}'")
    pose = np.eye(4)
    pose[:3, :3] = matrix_from_rpy(*values[3:])
    pose[:3, 3] = values[:3]
    return pose


def pose_to_sdf(pose: np.ndarray) -> str:
    x, y, z = pose[:3, 3]
    return " ".join(f"{v:.9g}" for v in (x, y, z, *rpy_from_matrix(pose[:3, :3])))
