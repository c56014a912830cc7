"""Spatial measures and relations between scene objects, seen from the robot.

Coordinates are (forward, left, up) in metres: the robot base frame when the camera
extrinsics are known, else the camera's view (forward = optical axis, left = -x, up = -y).
Objects seen in 2D only (no depth) use their box centre: a millimetre per pixel, lower in the
image is nearer, further left is left.
"""
from __future__ import annotations

import numpy as np

from .objects import SceneObject


PIXEL_M = 0.001


def view_position(obj: SceneObject) -> np.ndarray:
    if obj.center_base is not None:
        return np.asarray(obj.center_base, dtype=float)
    if obj.center_camera is None:
        x0, y0, x1, y1 = obj.bbox_xyxy
        return np.array([-(y0 + y1) / 2, -(x0 + x1) / 2, 0.0]) * PIXEL_M
    x, y, z = obj.center_camera
    return np.array([z, -x, -y], dtype=float)


def footprint_radius(obj: SceneObject) -> float:
    return 0.5 * float(max(obj.size[0], obj.size[1])) if obj.size is not None else 0.03


def measure(obj: SceneObject, name: str) -> float:
    """Value a superlative ranks by: size, height, left, forward, robot_distance."""
    position = view_position(obj)
    x0, y0, x1, y1 = obj.bbox_xyxy
    if name == "size":
        return float(np.prod(obj.size)) if obj.size is not None else float((x1 - x0) * (y1 - y0))
    if name == "height":
        return float(obj.size[2]) if obj.size is not None else float(y1 - y0) * PIXEL_M
    if name == "left":
        return float(position[1])
    if name == "forward":
        return float(position[0])
    if name == "robot_distance":
        return float(np.linalg.norm(position[:2]))
    raise ValueError(f"unknown measure {name}")


def _ramp(value: float, start: float, full: float) -> float:
    return float(np.clip((value - start) / (full - start), 0.0, 1.0))


def relation_score(kind: str, obj: SceneObject, references: tuple[SceneObject, ...]) -> float:
    """How well `obj` satisfies `kind` with respect to the reference object(s), in [0, 1]."""
    a = view_position(obj)
    if kind == "between":
        b, c = (view_position(r) for r in references[:2])
        along = c[:2] - b[:2]
        length = np.linalg.norm(along)
        if length < 1e-6:
            return 0.0
        t = float(np.dot(a[:2] - b[:2], along) / length ** 2)
        off_line = float(np.linalg.norm(a[:2] - (b[:2] + t * along)))
        return _ramp(min(t, 1 - t), 0.0, 0.15) * (1 - _ramp(off_line, 0.05, 0.15))
    ref = references[0]
    b = view_position(ref)
    delta = a - b
    gap = max(float(np.linalg.norm(delta[:2])) - footprint_radius(obj) - footprint_radius(ref), 0.0)
    proximity = 1 - 0.4 * _ramp(gap, 0.0, 0.5)
    if kind == "left_of":
        return _ramp(delta[1], 0.0, 0.04) * proximity
    if kind == "right_of":
        return _ramp(-delta[1], 0.0, 0.04) * proximity
    if kind == "in_front_of":
        return _ramp(-delta[0], 0.0, 0.04) * proximity
    if kind == "behind":
        return _ramp(delta[0], 0.0, 0.04) * proximity
    if kind == "near":
        return 1 - _ramp(gap, 0.06, 0.25)
    if kind in ("on", "in"):
        inside = float(np.linalg.norm(delta[:2])) - footprint_radius(ref)
        return (1 - _ramp(inside, 0.0, 0.04)) * (_above(a, b, obj, ref) if kind == "on" else 1.0)
    if kind == "under":  # the reference rests on obj
        inside = float(np.linalg.norm(delta[:2])) - footprint_radius(obj)
        return (1 - _ramp(inside, 0.0, 0.04)) * _above(b, a, ref, obj)
    raise ValueError(f"unknown relation {kind}")


def _above(a: np.ndarray, b: np.ndarray, upper: SceneObject, lower: SceneObject) -> float:
    """1 when `upper` stands higher than `lower` (its centre above the lower one's), ramping over 1 cm;
    1 as well when heights are unknown (2D objects), where only the footprint can be judged."""
    if upper.size is None or lower.size is None:
        return 1.0
    return _ramp(a[2] - b[2], 0.0, 0.01)


def distance(a: SceneObject, b: SceneObject) -> float:
    return float(np.linalg.norm(view_position(a)[:2] - view_position(b)[:2]))


def where(obj: SceneObject, frame_id: str) -> str:
    if obj.center_base is None and obj.center_camera is None:
        x0, y0, x1, y1 = obj.bbox_xyxy
        return f"box ({x0:.0f}, {y0:.0f})-({x1:.0f}, {y1:.0f}) px in the image (no depth)"
    x, y, z = view_position(obj)
    return f"({x:.2f}, {y:.2f}, {z:.2f}) m in {frame_id}"
