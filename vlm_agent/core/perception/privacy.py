"""No pictures of people leave the robot by default: annotated images have each detected person's
box filled (mode 'box'), or blurred ('blur'); 'show' keeps them (opt-in)."""
from __future__ import annotations

import cv2
import numpy as np

MODES = ("box", "blur", "show")
FILL_RGB = (90, 90, 90)
PADDING = 0.05  # of the box size on every side: hair and hands at the box edge are covered too


def redact_people(rgb: np.ndarray, boxes, mode: str = "box") -> np.ndarray:
    """A copy of `rgb` with every box (x0, y0, x1, y1 pixels) filled or blurred."""
    if mode not in MODES:
        raise ValueError(f"people privacy mode must be one of {', '.join(MODES)}, got '{mode}'")
    image = np.ascontiguousarray(rgb.copy())
    if mode == "show":
        return image
    height, width = image.shape[:2]
    for x0, y0, x1, y1 in boxes:
        pad_x, pad_y = (x1 - x0) * PADDING, (y1 - y0) * PADDING
        left, top = int(max(0, np.floor(x0 - pad_x))), int(max(0, np.floor(y0 - pad_y)))
        right, bottom = int(min(width, np.ceil(x1 + pad_x))), int(min(height, np.ceil(y1 + pad_y)))
        if right <= left or bottom <= top:
            continue
        if mode == "blur":
            region = image[top:bottom, left:right]  # pixelate to 8x8, then smooth: faces cannot be read back
            coarse = cv2.resize(region, (8, 8), interpolation=cv2.INTER_AREA)
            image[top:bottom, left:right] = cv2.resize(coarse, (right - left, bottom - top),
                                                       interpolation=cv2.INTER_LINEAR)
        else:
            box = np.full((bottom - top, right - left, 3), FILL_RGB, dtype=image.dtype)
            cv2.rectangle(box, (0, 0), (right - left - 1, bottom - top - 1), (255, 140, 0), 2)
            cv2.putText(box, "person", (4, 18), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 255), 1, cv2.LINE_AA)
            image[top:bottom, left:right] = box  # drawn in the box: no pixel outside it changes
    return image


class PeopleRedactor:
    """Finds people itself (the person detector, loaded on first use) and redacts them. Without the
    models it raises InputError: callers then publish no image rather than an unredacted one."""

    def __init__(self, mode: str = "box", model_dir=None):
        if mode not in MODES:
            raise ValueError(f"people privacy mode must be one of {', '.join(MODES)}, got '{mode}'")
        self.mode, self.model_dir, self.detector = mode, model_dir, None

    def __call__(self, rgb: np.ndarray) -> np.ndarray:
        if self.mode == "show":
            return rgb
        if self.detector is None:
            from .people import PersonDetector
            self.detector = PersonDetector(self.model_dir, use_mask=False)
        return redact_people(rgb, [p.bbox_xyxy for p in self.detector.detect(rgb)], self.mode)
