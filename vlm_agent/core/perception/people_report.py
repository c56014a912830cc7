"""People in one image or SCENE_DIR as plain JSON-ready dicts (`vlm-agent people`, `vlm-agent ground`)."""
from __future__ import annotations

import time
from pathlib import Path

from ..errors import InputError
from .frame import RGBDFrame
from .people import PersonDetector, PersonObservation
from .scene_dir import MAX_PIXELS, read_rgb, read_scene_dir


def read_image_or_scene(path: str | Path, max_pixels: int = MAX_PIXELS) -> RGBDFrame:
    """A SCENE_DIR (rgb.png, optional depth.png + camera.yaml) or a single image file."""
    path = Path(path)
    if path.is_dir():
        return read_scene_dir(path, max_pixels)
    if not path.exists():
        raise InputError(f"{path} not found (expected an image file or a SCENE_DIR)")
    return RGBDFrame(read_rgb(path, max_pixels), None, None, key=str(path.resolve()))


def _rounded(point):
    return None if point is None else [round(float(v), 4) for v in point]


def person_dict(observation: PersonObservation) -> dict:
    detection = observation.detection
    return {"bbox_xyxy": [round(float(v), 1) for v in detection.bbox_xyxy], "score": round(float(detection.score), 4),
            "position_camera": _rounded(observation.centroid_camera),
            "position_base": _rounded(observation.centroid_base),
            "closest_point_base": _rounded(observation.closest_base)}


def people_in_frame(frame: RGBDFrame, detector: PersonDetector) -> dict:
    started = time.perf_counter()
    observations = detector.observe(frame)
    return {"people": [person_dict(o) for o in observations],
            "latency_ms": round((time.perf_counter() - started) * 1000, 1)}
