"""Checks on 4x4 homogeneous transforms that come from outside (parameters, topics, files)."""
from __future__ import annotations

import numpy as np

RIGID_TOLERANCE = 1e-3


def rigid_transform_problem(matrix, tolerance: float = RIGID_TOLERANCE) -> str:
    """'' for a rigid transform (finite, orthonormal rotation with determinant +1, last row 0 0 0 1),
    else what is wrong with it."""
    m = np.asarray(matrix, float)
    if m.shape != (4, 4):
        return f"has shape {m.shape}, not 4x4"
    if not np.all(np.isfinite(m)):
        return "has non-finite entries"
    if not np.allclose(m[3], (0, 0, 0, 1), atol=tolerance):
        return f"last row is {np.round(m[3], 4).tolist()}, not [0, 0, 0, 1]"
    rotation = m[:3, :3]
    if not np.allclose(rotation.T @ rotation, np.eye(3), atol=tolerance):
        return "rotation part is not orthonormal (scaled, sheared or not normalised)"
    if np.linalg.det(rotation) < 0:
        return "rotation part is a reflection (determinant -1)"
    return ""


def pose_change(before, after) -> tuple[float, float]:
    """(metres, degrees) between two rigid transforms."""
    a, b = np.asarray(before, float), np.asarray(after, float)
    relative = a[:3, :3].T @ b[:3, :3]
    angle = np.degrees(np.arccos(np.clip((np.trace(relative) - 1) / 2, -1.0, 1.0)))
    return float(np.linalg.norm(b[:3, 3] - a[:3, 3])), float(angle)
