"""Detected people as grounding candidates (label "person"), so "give the cup to the person on the
left" resolves to a real position. Only people with a base-frame position become candidates."""
from __future__ import annotations

import numpy as np

from .objects import SceneObject

PERSON_SIZE_M = (0.4, 0.4, 1.7)


def person_object(person_id: str, score: float, bbox_xyxy, centroid_base, closest_base,
                  base_from_camera: np.ndarray | None) -> SceneObject:
    centre = np.asarray(centroid_base, float)
    camera = None
    if base_from_camera is not None:
        inverse = np.linalg.inv(np.asarray(base_from_camera, float))
        camera = inverse[:3, :3] @ centre + inverse[:3, 3]
    reach = float(np.hypot(*np.subtract(centroid_base, closest_base)[:2]))
    size = np.array([max(2 * reach, PERSON_SIZE_M[0]), max(2 * reach, PERSON_SIZE_M[1]), PERSON_SIZE_M[2]])
    return SceneObject(id=person_id, label="person", bbox_xyxy=tuple(float(v) for v in bbox_xyxy),
                       detector_score=float(score), center_camera=camera, center_base=centre,
                       rotation_camera=None, size=size)


def people_objects(people: list[dict], base_from_camera: np.ndarray | None) -> list[SceneObject]:
    """From people dicts (id, score, bbox_xyxy, centroid, closest_point: base frame or None)."""
    return [person_object(p["id"], p["score"], p["bbox_xyxy"], p["centroid"], p["closest_point"], base_from_camera)
            for p in people if p.get("centroid") is not None and p.get("closest_point") is not None]


def observed_people(observations) -> list[dict]:
    """core PersonObservation list -> the same dicts (ids person_1, person_2, ... in detection order)."""
    return [{"id": f"person_{i + 1}", "score": o.detection.score, "bbox_xyxy": o.detection.bbox_xyxy,
             "centroid": o.centroid_base, "closest_point": o.closest_base} for i, o in enumerate(observations)]


def outside_people(objects, people) -> list:
    """Objects not lying mostly (half their box or more) inside a detected person's box: a person's
    clothes or what they hold are not objects on the table."""
    def inside(box, person_box) -> float:
        width = min(box[2], person_box[2]) - max(box[0], person_box[0])
        height = min(box[3], person_box[3]) - max(box[1], person_box[1])
        area = (box[2] - box[0]) * (box[3] - box[1])
        return max(0.0, width) * max(0.0, height) / area if area > 0 else 0.0
    return [o for o in objects if all(inside(o.bbox_xyxy, p.bbox_xyxy) < 0.5 for p in people)]
