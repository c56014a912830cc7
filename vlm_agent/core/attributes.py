"""Colour names and shape categories measured from a segment's pixels and points."""
from __future__ import annotations

import colorsys

import numpy as np

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
    if saturation < 0.6 and value > 0.6:
        return name, "light"
    return name, ""


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
