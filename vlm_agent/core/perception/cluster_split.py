"""Split one spatial cluster into the objects it holds, by geometry alone (colour may be the same).

Works on a top view of the cluster: a grid over the support plane holding, per cell, the highest
point above it.
- Stacks: an upper top face standing well above a lower flat top (a level plateau around it) is a
  second object resting on the first; the points over the upper face's footprint and above the
  lower top belong to it.
- Side by side: the footprint's distance transform has one peak per convex object; two peaks
  separated by a narrow neck are two touching objects (watershed from the peaks).
"""
from __future__ import annotations

import cv2
import numpy as np

CELL_M = 0.004
STACK_STEP_M = 0.015          # an upper object's top must stand at least this high over the lower top
LEVEL_SHARE = 0.7             # share of the lower cells within the noise band of one level: a flat top
MIN_PART_SHARE = 0.12         # each part holds at least this share of the cluster's cells
SUPPORTED_SHARE = 0.6        # share of the upper footprint over the lower top's outline, for a stack
PEAK_FRACTION = 0.55
MIN_PART_WIDTH_M = 0.015     # the narrowest object the split may produce
CONVEX_SOLIDITY = 0.92        # footprint area / its convex hull's: above this the outline has no notch          # distance-transform peaks above this share of the highest are object cores


def _grid(uv: np.ndarray, heights: np.ndarray):
    origin = uv.min(axis=0)
    cells = np.floor((uv - origin) / CELL_M).astype(int)
    shape = tuple(cells.max(axis=0) + 3)
    cells += 1
    top = np.full(shape, -np.inf)
    np.maximum.at(top, (cells[:, 0], cells[:, 1]), heights)
    return cells, top


def split_stack(uv: np.ndarray, heights: np.ndarray, noise_m: float) -> list[np.ndarray] | None:
    """[upper, lower] index arrays when the cluster is one object resting on another, else None."""
    cells, top = _grid(uv, heights)
    occupied = np.isfinite(top)
    highest = float(np.percentile(heights, 98))
    band = max(0.003, 3 * noise_m)
    upper_cells = occupied & (top > highest - max(band, 0.05 * highest))
    lower_cells = occupied & (top < highest - max(STACK_STEP_M, 5 * noise_m))
    total = occupied.sum()
    if upper_cells.sum() < MIN_PART_SHARE * total or lower_cells.sum() < 0.25 * total:
        return None
    lower_heights = top[lower_cells]
    level = float(np.percentile(lower_heights, 75))
    if np.mean(np.abs(lower_heights - level) < band) < LEVEL_SHARE or level < STACK_STEP_M / 2:
        return None
    level_cells = lower_cells & (np.abs(top - level) < band)
    supported = np.zeros(top.shape, np.uint8)
    cv2.fillConvexPoly(supported, cv2.convexHull(np.argwhere(level_cells)[:, ::-1].astype(np.int32)), 1)
    if supported[upper_cells].mean() < SUPPORTED_SHARE:  # side by side, not one on the other
        return None
    footprint = cv2.dilate(upper_cells.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    in_upper = footprint[cells[:, 0], cells[:, 1]] & (heights > level + band)
    if in_upper.sum() < 10 or (~in_upper).sum() < 10:
        return None
    return [np.flatnonzero(in_upper), np.flatnonzero(~in_upper)]


def split_touching(uv: np.ndarray, heights: np.ndarray, min_points: int) -> list[np.ndarray] | None:
    """Index arrays, one per convex core of the footprint, when there are two or more; else None.
    The border between cores follows height steps where there are any, else the footprint's neck."""
    cells, top = _grid(uv, heights)
    occupied = cv2.morphologyEx(np.isfinite(top).astype(np.uint8), cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8))
    # holes inside the outline (a top face hidden under something resting on it) are still footprint
    contours, _ = cv2.findContours(occupied, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    cv2.drawContours(occupied, contours, -1, 1, thickness=cv2.FILLED)
    hull = cv2.convexHull(np.argwhere(occupied)[:, ::-1].astype(np.int32))
    solidity = occupied.sum() / max(cv2.contourArea(hull) + 0.5 * cv2.arcLength(hull, True) + 1, 1.0)
    surface = np.where(np.isfinite(top), top, 0.0).astype(np.float32)
    surface = cv2.morphologyEx(surface, cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8))
    steps = cv2.morphologyEx(surface, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8))
    steps = np.clip(steps / STACK_STEP_M, 0.0, 1.0)
    # cores come from the footprint cut along height steps: two tops at different heights are two cores
    pieces = (occupied & (steps < 0.5)).astype(np.uint8)
    distance = cv2.distanceTransform(pieces, cv2.DIST_L2, 5)
    if distance.max() <= 2:
        return None
    # each level piece has its own peak: a small object beside a big one still gets a core
    n_pieces, piece_labels = cv2.connectedComponents(pieces)
    peaks = np.zeros(n_pieces)
    np.maximum.at(peaks, piece_labels.ravel(), distance.ravel())
    core_mask = (distance > PEAK_FRACTION * peaks[piece_labels]) & (peaks[piece_labels] > 1.5) & (piece_labels > 0)
    count, cores = cv2.connectedComponents(core_mask.astype(np.uint8))
    if count <= 2:  # background + one core
        return None
    markers = cores.astype(np.int32)
    markers[occupied == 0] = count  # background marker
    neck = 1.0 - distance / distance.max()
    image = cv2.cvtColor((255 * (0.6 * steps + 0.4 * neck)).astype(np.uint8), cv2.COLOR_GRAY2BGR)
    labels = cv2.watershed(image, markers)
    # watershed lines (-1) and cells the background flooded go to the nearest region, by grid distance
    regions = [(labels == k).astype(np.uint8) for k in range(1, count)]
    away = np.stack([cv2.distanceTransform(1 - region, cv2.DIST_L2, 3) for region in regions])
    nearest = np.where((labels >= 1) & (labels < count), labels - 1, np.argmin(away, axis=0))
    point_labels = nearest[cells[:, 0], cells[:, 1]]
    parts = [np.flatnonzero(point_labels == k) for k in range(count - 1)]
    parts = _absorb_slivers(uv, [p for p in parts if p.size], max(min_points, MIN_PART_SHARE * len(uv)))
    if len(parts) < 2:
        return None
    tops = [float(np.percentile(heights[p], 95)) for p in parts]
    if solidity > CONVEX_SOLIDITY and max(tops) - min(tops) < STACK_STEP_M / 2:
        return None  # one convex outline, one height: nothing shows two objects
    return parts


def _absorb_slivers(uv: np.ndarray, parts: list[np.ndarray], min_points: float) -> list[np.ndarray]:
    """Pieces too few or too narrow to be an object (the steep rim of a rounded one) join the
    piece whose points come closest."""
    def sliver(part):
        return part.size < min_points or min(cv2.minAreaRect(uv[part].astype(np.float32))[1]) < MIN_PART_WIDTH_M
    parts = sorted(parts, key=len, reverse=True)
    while len(parts) > 1 and sliver(parts[-1]):
        piece = parts.pop()
        gaps = [np.min(np.linalg.norm(uv[piece][:, None, :] - uv[p][None, ::4, :], axis=2)) for p in parts]
        host = int(np.argmin(gaps))
        parts[host] = np.concatenate([parts[host], piece])
        parts.sort(key=len, reverse=True)
    return parts
