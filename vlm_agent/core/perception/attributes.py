"""Colour names and shape categories measured from a segment's pixels and points."""
from __future__ import annotations

import colorsys
from typing import TYPE_CHECKING

import cv2
import numpy as np

if TYPE_CHECKING:
    from .tabletop_segmentation import Segment

# hue ranges in degrees, checked in order; red wraps around 0
HUE_NAMES = ((13, "red"), (40, "orange"), (70, "yellow"), (165, "green"), (255, "blue"),
             (290, "purple"), (340, "pink"), (361, "red"))


def color_name(rgb_pixels: np.ndarray) -> tuple[str, str]:
    """Return (colour, shade) for an (N, 3) uint8 pixel set; shade is "dark", "light" or ""."""
    if len(rgb_pixels) == 0:
        return "", ""
    pixels = rgb_pixels.astype(np.float64) / 255.0
    r, g, b = np.median(pixels, axis=0)
    hue, saturation, _ = colorsys.rgb_to_hsv(r, g, b)
    value = float(np.percentile(pixels.max(axis=1), 85))  # lit faces, not the shaded sides
    if saturation < 0.25 or value < 0.12:
        if value < 0.25:
            return "black", ""
        return ("white", "") if value > 0.62 else ("gray", "")
    degrees = hue * 360
    name = next(label for limit, label in HUE_NAMES if degrees < limit)
    if name in ("orange", "red") and value < 0.55 and 12 <= degrees < 45:
        return "brown", ""
    if value < 0.5:
        return name, "dark"
    if saturation < 0.6 and value > 0.6 and name != "pink":  # pink is light red already
        return name, "light"
    return name, ""


def pixel_color_classes(rgb_pixels: np.ndarray) -> np.ndarray:
    """Per-pixel colour class: the hue name's index, or -1 for unsaturated (white/gray/black).
    Shading changes value, not hue, so one object's lit and shaded faces share a class."""
    hsv = cv2.cvtColor(rgb_pixels.reshape(-1, 1, 3).astype(np.uint8), cv2.COLOR_RGB2HSV_FULL).reshape(-1, 3)
    degrees = hsv[:, 0].astype(np.float64) * 360.0 / 256.0
    limits = np.array([limit for limit, _ in HUE_NAMES])
    names = [name for _, name in HUE_NAMES]
    index = np.searchsorted(limits, degrees, side="right")
    classes = np.array([names.index(names[min(i, len(names) - 1)]) for i in range(len(names))])[
        np.minimum(index, len(names) - 1)]
    unsaturated = (hsv[:, 1] < 64) | (hsv[:, 2] < 31)
    return np.where(unsaturated, -1, classes)


def shape_label(segment: Segment) -> str:
    """cube, box, sphere, cylinder or plate, from the plane-aligned box and height profile.

    Measured on simulated views: a sphere shows a round footprint and few points near its
    top (under 20%); cylinders and boxes have flat tops (over 30%)."""
    width, length, height = sorted(segment.size[:2]) + [segment.size[2]]
    if height < 0.03 and length > 0.08:
        return "plate"
    if segment.footprint_fill < 0.88:
        return "sphere" if segment.top_fraction < 0.27 else "cylinder"
    cubic = length / max(width, 1e-6) < 1.25 and 0.75 < height / length < 1.33
    return "cube" if cubic else "box"
