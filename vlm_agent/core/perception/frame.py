"""A validated RGB-D frame: the input of every grounding call."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .camera import CameraIntrinsics
from ..errors import InputError

MIN_VALID_DEPTH_FRACTION = 0.05


@dataclass(frozen=True, eq=False)
class RGBDFrame:
    rgb: np.ndarray                     # (H, W, 3) uint8
    depth_m: np.ndarray | None          # (H, W) float32 metres, NaN where unknown; None for 2D-only
    intrinsics: CameraIntrinsics | None
    base_from_camera: np.ndarray | None = None  # 4x4
    frame_id: str = "camera_color_optical_frame"
    base_frame_id: str = "base_link"
    stamp_ns: int = 0
    key: object = field(default=None)  # identity used to cache per-frame work

    def __post_init__(self):
        rgb, depth = self.rgb, self.depth_m
        if rgb is None or rgb.size == 0:
            raise InputError("RGB image is empty")
        if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
            raise InputError(f"RGB image must be HxWx3 uint8, got {rgb.shape} {rgb.dtype}")
        if depth is None:
            return
        if self.intrinsics is None:
            raise InputError("no CameraInfo received: depth cannot be turned into 3D without intrinsics")
        if depth.shape != rgb.shape[:2]:
            raise InputError(f"depth {depth.shape[1]}x{depth.shape[0]} does not match RGB "
                             f"{rgb.shape[1]}x{rgb.shape[0]}: depth must be registered to the colour image")
        if (self.intrinsics.width, self.intrinsics.height) != (rgb.shape[1], rgb.shape[0]):
            raise InputError(f"CameraInfo is {self.intrinsics.width}x{self.intrinsics.height} "
                             f"but the image is {rgb.shape[1]}x{rgb.shape[0]}")
        valid = np.isfinite(depth) & (depth > 0)
        if valid.mean() < MIN_VALID_DEPTH_FRACTION:
            raise InputError(f"depth image has only {100 * valid.mean():.1f}% valid readings "
                             f"(NaN/zero elsewhere); need at least {100 * MIN_VALID_DEPTH_FRACTION:.0f}%")
        if self.base_from_camera is not None and self.base_from_camera.shape != (4, 4):
            raise InputError("base_from_camera must be a 4x4 matrix")

    @property
    def pose_frame_id(self) -> str:
        """Frame in which poses are reported to the robot."""
        return self.base_frame_id if self.base_from_camera is not None else self.frame_id

    def to_base(self, points_camera: np.ndarray) -> np.ndarray | None:
        if self.base_from_camera is None:
            return None
        points = np.atleast_2d(points_camera)
        return points @ self.base_from_camera[:3, :3].T + self.base_from_camera[:3, 3]
