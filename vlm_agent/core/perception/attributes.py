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


def _sigmoid(x: float) -> float:
    return float(1.0 / (1.0 + np.exp(-np.clip(x, -30, 30))))


FLAT_TOP_AREA = 0.6     # top-band area / footprint: flat tops ~0.75-1.0, domes ~0.1-0.45 (sim, none and d435)
ALTERNATIVE_SHARE = 0.35  # a shape scoring this share of the best one is kept as a plausible reading
ALTERNATIVE_CAP = 0.8     # an alternative reading never scores as high as a clear one
ROUND_SILHOUETTE = 0.83   # colour outline hull / enclosing circle: balls 0.84-0.96, others <= 0.80 (sim dev, d435)
SILHOUETTE_WEIGHT = 0.8   # share of the dome-or-flat evidence the outline gives when it is measured
CORNER_SPLIT = 0.25       # top-face corner moment between discs (dev: <= 0.15 at 95%) and squares (>= 0.29 at 5%)
CORNER_SPREAD = 0.3       # its sampling spread times sqrt(points): the evidence weighs as much as the points allow
MAX_CORNER_EVIDENCE = 4.0  # log-odds: thousands of top-face points must not outweigh every other reading


def shape_scores(segment: Segment) -> dict[str, float]:
    """Plausible categories with scores in (0, 1], the best at 1.

    Evidence, each measured against the depth noise: a flat top (points within a noise-aware band
    of the top cover most of the footprint; a dome's top band is a small cap), a round or square
    footprint (the hull fills a disc ~1 / a rectangle ~0.79, or a rectangle ~1 / a disc ~0.64), and
    the proportions (cube: square footprint as tall as wide; sphere: about as tall as wide)."""
    width, length, height = sorted(segment.size[:2]) + [segment.size[2]]
    if height < 0.03 and length > 0.08:
        return {"plate": 1.0}
    flat = _sigmoid((segment.top_area_fraction - FLAT_TOP_AREA) / 0.05)
    if segment.silhouette_roundness >= 0:
        # the colour outline carries no depth noise: a round outline seen obliquely is a ball's, a
        # cylinder's or a box's is not; it outweighs the top's flatness, which noise blurs on small objects
        disc = _sigmoid((segment.silhouette_roundness - ROUND_SILHOUETTE) / 0.02)
        flat = SILHOUETTE_WEIGHT * (1 - disc) + (1 - SILHOUETTE_WEIGHT) * flat
    roundness = (segment.circle_fill - 0.637) / 0.363 - (segment.footprint_fill - 0.785) / 0.215
    round_ = _sigmoid(roundness / 0.08 + _corner_evidence(segment))
    aspect, elongation = height / max(length, 1e-6), length / max(width, 1e-6)
    cubic = _sigmoid(min((1.3 - elongation) / 0.05, (aspect - 0.72) / 0.05, (1.4 - aspect) / 0.05))
    dome_like = _sigmoid((1.6 - aspect) / 0.1)  # a sphere is about as tall as it is wide
    raw = {"sphere": (1 - flat) * dome_like, "cylinder": flat * round_ + (1 - flat) * (1 - dome_like),
           "cube": flat * (1 - round_) * cubic, "box": flat * (1 - round_) * (1 - cubic)}
    best = max(raw.values())
    scores = {name: value / best for name, value in raw.items() if value >= ALTERNATIVE_SHARE * best}
    return {name: (1.0 if value == 1.0 else min(value, ALTERNATIVE_CAP)) for name, value in scores.items()}


def _corner_evidence(segment: Segment) -> float:
    """Log-odds for a round top from the top face's corner moment (0 when not measured), added to the
    hull fills' as independent evidence: a few noisy extreme points sway the hull, not the moment."""
    if segment.top_corners < 0:
        return 0.0
    evidence = (CORNER_SPLIT - segment.top_corners) * np.sqrt(segment.top_points) / CORNER_SPREAD
    return float(np.clip(evidence, -MAX_CORNER_EVIDENCE, MAX_CORNER_EVIDENCE))  # one systematic bias never rules


def shape_label(segment: Segment) -> str:
    """cube, box, sphere, cylinder or plate: the best of shape_scores."""
    scores = shape_scores(segment)
    return max(scores, key=scores.get)
