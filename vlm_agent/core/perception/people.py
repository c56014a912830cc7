"""People perception on RGB(-D): BlazePose person detection, selfie-segmentation person mask,
3D closest point and centroid from depth. ROS-free; tracking lives in people_tracking.py."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from ..errors import InputError
from .frame import RGBDFrame
from .person_models import (POSE_DETECTOR, SELFIE_SEGMENTATION, DetectorSpec, TfliteModel, model_path)
from .ssd_anchors import RawDetection, decode, generate_anchors, weighted_nms

MIN_MASK_PIXELS = 50
DEPTH_BAND_M = 0.6      # points further than this behind the person's median depth are background
MAX_POINTS = 4000       # depth pixels per person used for the centroid and closest point


@dataclass(frozen=True)
class PersonDetection:
    score: float
    bbox_xyxy: tuple[float, float, float, float]   # pixels
    face_xyxy: tuple[float, float, float, float]   # pixels, the detector's anchor box


@dataclass(frozen=True)
class PersonObservation:
    """A detection with its position: camera-frame and base-frame points, None without depth."""
    detection: PersonDetection
    centroid_camera: tuple[float, float, float] | None = None
    centroid_base: tuple[float, float, float] | None = None
    closest_base: tuple[float, float, float] | None = None
    closest_camera: tuple[float, float, float] | None = None


def letterbox(rgb: np.ndarray, size: int) -> tuple[np.ndarray, float, float, float]:
    """Resize keeping aspect ratio, pad to size x size; returns (image, scale, pad_x, pad_y)."""
    height, width = rgb.shape[:2]
    scale = size / max(height, width)
    new_w, new_h = max(1, round(width * scale)), max(1, round(height * scale))
    resized = cv2.resize(rgb, (new_w, new_h), interpolation=cv2.INTER_AREA)
    pad_x, pad_y = (size - new_w) / 2.0, (size - new_h) / 2.0
    canvas = np.zeros((size, size, 3), np.uint8)
    canvas[int(pad_y):int(pad_y) + new_h, int(pad_x):int(pad_x) + new_w] = resized
    return canvas, scale, float(int(pad_x)), float(int(pad_y))


class PersonDetector:
    """BlazePose's person detector: a face-anchored box whose keypoints 0 (hip centre) and 1
    (body-circle point) give the whole body; optional selfie-segmentation mask tightens the box."""

    def __init__(self, model_dir: str | Path | None = None, min_score: float | None = None,
                 use_mask: bool = True, threads: int = 1, spec: DetectorSpec = POSE_DETECTOR):
        self.spec = spec
        self.model = TfliteModel(model_path(spec.file, model_dir), threads)
        self.anchors = generate_anchors(spec.anchors)
        self.min_score = spec.min_score if min_score is None else float(min_score)
        self.segmenter = TfliteModel(model_path(SELFIE_SEGMENTATION, model_dir), threads) if use_mask else None
        if self.model.outputs[0]["shape"][1] != len(self.anchors):
            raise InputError(f"{self.model.path}: {self.model.outputs[0]['shape'][1]} anchors in the model, "
                             f"{len(self.anchors)} generated")

    def detect(self, rgb: np.ndarray) -> list[PersonDetection]:
        _check_rgb(rgb)
        size = self.spec.anchors.input_size
        square, scale, pad_x, pad_y = letterbox(rgb, size)
        outputs = self.model(square.astype(np.float32) / 127.5 - 1.0)
        regressors, logits = sorted(outputs, key=lambda o: -o.shape[-1])
        raw = weighted_nms(decode(regressors, logits, self.anchors, size, self.spec.num_keypoints,
                                  self.min_score), self.spec.nms_threshold)
        height, width = rgb.shape[:2]

        def to_pixels(points):
            points = np.asarray(points, float).reshape(-1, 2) * size
            return (points - [pad_x, pad_y]) / scale
        return [_person_box(d, to_pixels, width, height) for d in raw]

    def person_mask(self, rgb: np.ndarray) -> np.ndarray | None:
        """Per-pixel person probability (H, W) float32 in [0, 1], or None without the segmenter."""
        if self.segmenter is None:
            return None
        _check_rgb(rgb)
        width, height = self.segmenter.input_size
        small = cv2.resize(rgb, (width, height), interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0
        probability = self.segmenter(small)[0][..., 0]
        return cv2.resize(probability, (rgb.shape[1], rgb.shape[0]), interpolation=cv2.INTER_LINEAR)

    def observe(self, frame: RGBDFrame, mask_threshold: float = 0.5) -> list[PersonObservation]:
        """Detections with 3D positions from the frame's depth (where depth exists)."""
        detections = self.detect(frame.rgb)
        if not detections:
            return []
        probability = self.person_mask(frame.rgb)
        mask = probability >= mask_threshold if probability is not None else None
        return [locate(tighten(d, mask), frame, mask) for d in detections]


def _check_rgb(rgb) -> None:
    if not isinstance(rgb, np.ndarray) or rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8 \
            or rgb.shape[0] < 8 or rgb.shape[1] < 8:
        shape = getattr(rgb, "shape", None)
        raise InputError(f"people detection needs an HxWx3 uint8 RGB image (at least 8x8), got {shape} "
                         f"{getattr(rgb, 'dtype', type(rgb).__name__)}")


def _person_box(raw: RawDetection, to_pixels, width: int, height: int) -> PersonDetection:
    face = to_pixels([raw.box[:2], raw.box[2:]]).ravel()
    keypoints = to_pixels(raw.keypoints)
    hip, body_point = keypoints[0], keypoints[1]
    radius = float(np.linalg.norm(body_point - hip))
    corners = np.array([[hip[0] - radius, hip[1] - radius], [hip[0] + radius, hip[1] + radius],
                        face[:2], face[2:]])
    low = np.clip(corners.min(axis=0), 0, [width, height])
    high = np.clip(corners.max(axis=0), 0, [width, height])
    face = (np.clip(face, 0, [width, height, width, height]))
    return PersonDetection(raw.score, (float(low[0]), float(low[1]), float(high[0]), float(high[1])),
                           tuple(float(v) for v in face))


def tighten(detection: PersonDetection, mask: np.ndarray | None) -> PersonDetection:
    """The box shrunk to the person-mask pixels inside it (kept as is when the mask has too few)."""
    if mask is None:
        return detection
    x0, y0, x1, y1 = (int(round(v)) for v in detection.bbox_xyxy)
    vs, us = np.nonzero(mask[y0:y1, x0:x1])
    if len(vs) < MIN_MASK_PIXELS:
        return detection
    box = (float(x0 + us.min()), float(y0 + vs.min()), float(x0 + us.max() + 1), float(y0 + vs.max() + 1))
    return PersonDetection(detection.score, box, detection.face_xyxy)


def locate(detection: PersonDetection, frame: RGBDFrame, mask: np.ndarray | None) -> PersonObservation:
    """Camera and base-frame centroid and closest point of the person's depth pixels: the mask
    inside the box when it has enough pixels, else the box's central half. At most MAX_POINTS
    pixels, evenly spread, are used."""
    if frame.depth_m is None or frame.intrinsics is None:
        return PersonObservation(detection)
    x0, y0, x1, y1 = (int(round(v)) for v in detection.bbox_xyxy)
    depth = frame.depth_m[y0:y1, x0:x1]
    region = mask[y0:y1, x0:x1] if mask is not None else np.zeros(depth.shape, bool)
    if region.sum() < MIN_MASK_PIXELS:
        qy, qx = depth.shape[0] // 4, depth.shape[1] // 4
        region = np.zeros(depth.shape, bool)
        region[qy:depth.shape[0] - qy, qx:depth.shape[1] - qx] = True
    valid = region & np.isfinite(depth) & (depth > 0)
    vs, us = np.nonzero(valid)
    if len(vs) < 10:
        return PersonObservation(detection)
    step = max(1, len(vs) // MAX_POINTS)
    vs, us = vs[::step], us[::step]
    z = depth[vs, us].astype(float)
    keep = np.abs(z - np.median(z)) <= DEPTH_BAND_M
    vs, us, z = vs[keep] + y0, us[keep] + x0, z[keep]
    k = frame.intrinsics
    points = np.stack([(us - k.cx) * z / k.fx, (vs - k.cy) * z / k.fy, z], axis=1)
    centroid_camera = tuple(map(float, np.median(points, axis=0)))
    base = frame.to_base(points)
    if base is None:
        closest = points[np.argmin(np.linalg.norm(points, axis=1))]
        return PersonObservation(detection, centroid_camera, None, None, tuple(map(float, closest)))
    reach = np.hypot(base[:, 0], base[:, 1])
    index = int(np.argmin(np.abs(reach - np.percentile(reach, 2))))  # robust against stray pixels
    return PersonObservation(detection, centroid_camera, tuple(map(float, np.median(base, axis=0))),
                             tuple(map(float, base[index])), tuple(map(float, points[index])))
