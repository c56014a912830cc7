"""SSD anchors and box decoding for the MediaPipe BlazePose / BlazeFace detectors (numpy only).

Anchors follow MediaPipe's SsdAnchorsCalculator with fixed_anchor_size: one anchor centre per
feature-map cell and per anchor of every layer sharing that stride; raw regressions are offsets
in input pixels relative to the anchor centre (TensorsToDetectionsCalculator, reverse_output_order).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class AnchorSpec:
    input_size: int                        # square model input, pixels
    strides: tuple[int, ...]               # one per layer
    interpolated_scale_aspect_ratio: float = 1.0  # > 0 adds a second anchor per layer
    anchor_offset: float = 0.5
    aspect_ratios: tuple[float, ...] = (1.0,)

    def anchors_per_layer(self) -> int:
        return len(self.aspect_ratios) + (1 if self.interpolated_scale_aspect_ratio > 0 else 0)


def generate_anchors(spec: AnchorSpec) -> np.ndarray:
    """(N, 2) anchor centres (x, y), normalised to [0, 1], in the model's output order."""
    centres, layer = [], 0
    while layer < len(spec.strides):
        stride, repeats = spec.strides[layer], 0
        while layer < len(spec.strides) and spec.strides[layer] == stride:  # layers sharing a stride share cells
            repeats += spec.anchors_per_layer()
            layer += 1
        cells = math.ceil(spec.input_size / stride)
        ys, xs = np.meshgrid(np.arange(cells), np.arange(cells), indexing="ij")
        grid = np.stack([(xs.ravel() + spec.anchor_offset) / cells, (ys.ravel() + spec.anchor_offset) / cells], 1)
        centres.append(np.repeat(grid, repeats, axis=0))
    return np.concatenate(centres).astype(np.float32)


@dataclass(frozen=True)
class RawDetection:
    """Normalised to the model input square: box (x_min, y_min, x_max, y_max) and keypoints (K, 2)."""
    score: float
    box: tuple[float, float, float, float]
    keypoints: np.ndarray


def decode(regressors: np.ndarray, logits: np.ndarray, anchors: np.ndarray, input_size: int,
           num_keypoints: int, min_score: float, clip: float = 100.0) -> list[RawDetection]:
    """Boxes and keypoints of every anchor whose sigmoid score reaches min_score."""
    regressors = np.asarray(regressors, np.float32).reshape(len(anchors), -1)
    logits = np.asarray(logits, np.float64).reshape(len(anchors))
    if regressors.shape[1] < 4 + 2 * num_keypoints:
        raise ValueError(f"{regressors.shape[1]} values per anchor, need {4 + 2 * num_keypoints}")
    scores = 1.0 / (1.0 + np.exp(-np.clip(logits, -clip, clip)))
    keep = np.flatnonzero(scores >= min_score)
    raw, anchor = regressors[keep] / input_size, anchors[keep]
    centre = raw[:, 0:2] + anchor
    half = raw[:, 2:4] / 2.0
    boxes = np.concatenate([centre - half, centre + half], axis=1)
    keypoints = raw[:, 4:4 + 2 * num_keypoints].reshape(-1, num_keypoints, 2) + anchor[:, None, :]
    return [RawDetection(float(scores[i]), tuple(float(v) for v in boxes[j]), keypoints[j])
            for j, i in enumerate(keep)]


def iou(a, b) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def weighted_nms(detections: list[RawDetection], threshold: float) -> list[RawDetection]:
    """MediaPipe's weighted non-max suppression: overlapping boxes are averaged by score."""
    remaining = sorted(detections, key=lambda d: -d.score)
    merged = []
    while remaining:
        best = remaining[0]
        group = [d for d in remaining if iou(best.box, d.box) > threshold]
        remaining = [d for d in remaining if iou(best.box, d.box) <= threshold]
        group = group or [best]
        weights = np.array([d.score for d in group])
        box = tuple(float(v) for v in np.average([d.box for d in group], axis=0, weights=weights))
        keypoints = np.average(np.stack([d.keypoints for d in group]), axis=0, weights=weights)
        merged.append(RawDetection(best.score, box, keypoints))
    return merged
