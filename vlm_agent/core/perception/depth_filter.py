"""Depth de-noising and a noise estimate from the support plane.

Stereo depth noise grows with z², so one number describes it: sigma(z) = coefficient · z². The
coefficient is measured on each frame from the spread of the table points around the fitted plane
(robustly, by the median absolute deviation), after the edge-preserving filter below.
"""
from __future__ import annotations

import cv2
import numpy as np

SMOOTH_DIAMETER_PX = 5         # on the strided grid the segmentation uses (stride 2: 10 px of the image)
SMOOTH_SIGMA_DEPTH_M = 0.015   # depth differences beyond a few of these are edges, kept sharp
SMOOTH_SIGMA_SPACE_PX = 2.0


def smooth_depth(depth_m: np.ndarray, sigma_depth_m: float = SMOOTH_SIGMA_DEPTH_M) -> np.ndarray:
    """Bilateral filter: averages noise within a surface, not across depth edges; holes stay holes
    (a hole's zero is metres away from any reading, so it gets no weight)."""
    valid = np.isfinite(depth_m) & (depth_m > 0)
    filled = np.where(valid, depth_m, 0.0).astype(np.float32)
    smoothed = cv2.bilateralFilter(filled, SMOOTH_DIAMETER_PX, sigma_depth_m, SMOOTH_SIGMA_SPACE_PX)
    # near holes the zeros still pull a little: keep the raw reading where the filter moved it far
    moved = np.abs(smoothed - filled) > 3 * sigma_depth_m
    return np.where(valid, np.where(moved, filled, smoothed), np.nan).astype(np.float32)


def noise_coefficient(residuals_m: np.ndarray, z_m: np.ndarray) -> float:
    """sigma(z) / z² from the signed distances of support-plane points to the plane."""
    if residuals_m.size < 50:
        return 0.0
    scaled = residuals_m / np.maximum(z_m, 0.1) ** 2
    return float(1.4826 * np.median(np.abs(scaled - np.median(scaled))))
