"""Embedded default backend: objects from RGB-D geometry, with measured colour and shape.

Works with no learned weights: Open3D finds the table plane and the object clusters on it;
colour names come from the pixels, categories (cube, box, sphere, cylinder, plate) from the
plane-aligned box and the height profile.
"""
from __future__ import annotations

import numpy as np

from ..perception.attributes import color_name, shape_scores
from ..errors import InputError
from ..perception.frame import RGBDFrame
from ..perception.objects import SceneObject
from ..perception.tabletop_segmentation import SegmentationParams, grid_stride, segment_objects
from .base import GroundingBackend
from .frame_cache import FrameCache


OCCLUDED_OUTLINE = 0.1  # share of the outline hidden by a closer object that makes the shape uncertain


class RGBDGeometryBackend(GroundingBackend):
    name = "rgbd_geometry"

    def __init__(self, segmentation: SegmentationParams | None = None):
        self.params = segmentation or SegmentationParams()
        self._cache: FrameCache[list[SceneObject]] = FrameCache()

    def propose(self, frame: RGBDFrame) -> list[SceneObject]:
        if frame.depth_m is None:
            raise InputError("the rgbd_geometry backend needs a depth image")
        return self._cache.get(frame.key, lambda: self._segment(frame))

    def _segment(self, frame: RGBDFrame) -> list[SceneObject]:
        _, segments = segment_objects(frame, self.params)
        segments.sort(key=lambda s: s.bbox_xyxy[0])
        objects = []
        for index, segment in enumerate(segments):
            color, shade = color_name(frame.rgb[segment.rows, segment.cols])
            shapes = shape_scores(segment)
            label = max(shapes, key=shapes.get)
            center_base = frame.to_base(segment.center)
            objects.append(SceneObject(
                id=f"obj_{index}", label=label, bbox_xyxy=segment.bbox_xyxy,
                label_scores=tuple((name, score) for name, score in shapes.items() if name != label),
                color=color, shade=shade, center_camera=segment.center,
                center_base=None if center_base is None else center_base[0],
                rotation_camera=segment.rotation, yaw_base=_yaw_in_base(frame, segment.rotation),
                size=segment.size, pixel_count=len(segment.rows) * grid_stride(self.params, frame.rgb.shape[1]) ** 2,
                occluded=segment.occluded_fraction > OCCLUDED_OUTLINE))
        return objects


def _yaw_in_base(frame: RGBDFrame, rotation: np.ndarray) -> float:
    axis = rotation[:, 0] if frame.base_from_camera is None else frame.base_from_camera[:3, :3] @ rotation[:, 0]
    return float(np.arctan2(axis[1], axis[0]))
