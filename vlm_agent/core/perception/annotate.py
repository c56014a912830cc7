"""Draw a grounding result on the RGB image (target green, destination blue, others grey)."""
from __future__ import annotations

import cv2
import numpy as np

from .objects import GroundingResult

COLORS = {"target": (40, 200, 40), "destination": (40, 120, 255), "reference": (255, 200, 0), "other": (170, 170, 170)}


def annotate(rgb: np.ndarray, result: GroundingResult) -> np.ndarray:
    image = np.ascontiguousarray(rgb.copy())
    roles = {}
    for match in result.candidates:
        roles[match.obj.id] = (match, "other")
    for match in result.references:
        roles[match.obj.id] = (match, "reference")
    for match, role in ((result.target, "target"), (result.destination, "destination")):
        if match is not None:
            roles[match.obj.id] = (match, role)
    for match, role in sorted(roles.values(), key=lambda item: item[1] != "other"):
        x0, y0, x1, y1 = (int(round(v)) for v in match.obj.bbox_xyxy)
        color = COLORS[role]
        cv2.rectangle(image, (x0, y0), (x1, y1), color, 2 if role == "other" else 3)
        label = f"{match.obj.description} {match.score:.2f}"
        cv2.putText(image, label, (x0, max(12, y0 - 5)), cv2.FONT_HERSHEY_SIMPLEX, 0.45, color, 1, cv2.LINE_AA)
    banner = f"{result.status}: {result.command_text}"[:80]
    cv2.putText(image, banner, (8, 20), cv2.FONT_HERSHEY_SIMPLEX, 0.55, (255, 255, 255), 2, cv2.LINE_AA)
    cv2.putText(image, banner, (8, 20), cv2.FONT_HERSHEY_SIMPLEX, 0.55, (20, 20, 20), 1, cv2.LINE_AA)
    return image
