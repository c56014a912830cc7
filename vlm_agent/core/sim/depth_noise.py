"""Depth-sensor error models for the simulated camera (off by default).

A stereo depth camera measures disparity d = f·b / z. Its errors, as modelled here:
- Gaussian disparity noise, so the depth error grows with z²: sigma_z = rel_1m · z² (z in metres);
- quantisation of disparity to a sub-pixel step, then of depth to the 1 mm unit of a z16 image;
- stereo shadows: background pixels just left of a closer surface are not seen by the second
  imager and read as holes, as wide as the disparity jump between the two;
- random dropouts, single pixels and small blobs (low texture, specular spots).
Parameters per sensor follow the vendors' data sheets: `d435` ~0.6% at 1 m (spec 0.25-1%, 2% at 2 m),
`d455` ~0.3% (wider baseline), `zed2` ~1%. `scale` multiplies the noise for harder tests.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import cv2
import numpy as np

from ..errors import InputError


@dataclass(frozen=True)
class DepthNoise:
    name: str = "none"
    rel_1m: float = 0.0            # standard deviation of depth at 1 m, as a fraction of 1 m; grows with z²
    baseline_m: float = 0.0        # stereo baseline: sets the width of the shadows; 0 disables them
    subpixel: float = 0.0          # disparity quantisation step in pixels; 0 disables it
    depth_unit_m: float = 0.0      # output quantisation (0.001 for a z16 image); 0 disables it
    dropout: float = 0.0           # share of single pixels lost
    blob_dropout: float = 0.0      # share of the image lost in blobs of a few pixels
    max_range_m: float = 10.0      # nothing is measured beyond this

    @property
    def enabled(self) -> bool:
        return self.name != "none"

    def scaled(self, factor: float) -> "DepthNoise":
        """The same sensor with its Gaussian noise multiplied by factor."""
        return replace(self, name=f"{self.name}x{factor:g}", rel_1m=self.rel_1m * factor)

    def apply(self, depth_m: np.ndarray, fx: float, rng: np.random.Generator) -> np.ndarray:
        """A noisy copy of a clean (H, W) depth image in metres (NaN = no return)."""
        if not self.enabled:
            return depth_m
        depth = depth_m.astype(np.float64)
        valid = np.isfinite(depth) & (depth > 0)
        shadow = self._stereo_shadow(depth, valid, fx) if self.baseline_m > 0 else np.zeros_like(valid)
        z = np.where(valid, depth, 1.0)
        noisy = z + rng.standard_normal(z.shape) * self.rel_1m * z ** 2
        if self.subpixel > 0 and self.baseline_m > 0:
            disparity = fx * self.baseline_m / np.maximum(noisy, 1e-3)
            disparity = np.round(disparity / self.subpixel) * self.subpixel
            noisy = fx * self.baseline_m / np.maximum(disparity, 1e-6)
        if self.depth_unit_m > 0:
            noisy = np.round(noisy / self.depth_unit_m) * self.depth_unit_m
        lost = shadow | (rng.random(z.shape) < self.dropout) | self._blobs(z.shape, rng)
        keep = valid & ~lost & (noisy < self.max_range_m)
        return np.where(keep, noisy, np.nan).astype(np.float32)

    def _stereo_shadow(self, depth: np.ndarray, valid: np.ndarray, fx: float) -> np.ndarray:
        """Pixels the second imager (to the right) cannot see: a closer surface to their right whose
        disparity exceeds theirs by more than the column gap."""
        disparity = np.where(valid, fx * self.baseline_m / np.where(valid, depth, 1.0), 0.0)
        cols = np.arange(depth.shape[1], dtype=np.float64)
        key = disparity - cols
        # for each pixel, max over the pixels strictly to its right
        right_max = np.maximum.accumulate(key[:, ::-1], axis=1)[:, ::-1]
        right_max = np.concatenate([right_max[:, 1:], np.full((depth.shape[0], 1), -np.inf)], axis=1)
        return valid & (right_max > key + 0.5)

    def _blobs(self, shape, rng: np.random.Generator) -> np.ndarray:
        if self.blob_dropout <= 0:
            return np.zeros(shape, bool)
        coarse = rng.random((shape[0] // 4 + 1, shape[1] // 4 + 1)) < self.blob_dropout
        grown = cv2.resize(coarse.astype(np.uint8), (shape[1] // 4 * 4 + 4, shape[0] // 4 * 4 + 4),
                           interpolation=cv2.INTER_NEAREST)
        return grown[:shape[0], :shape[1]].astype(bool)


SENSORS = {
    "none": DepthNoise(),
    "d435": DepthNoise("d435", rel_1m=0.006, baseline_m=0.050, subpixel=0.08, depth_unit_m=0.001,
                       dropout=0.01, blob_dropout=0.005, max_range_m=6.0),
    "d455": DepthNoise("d455", rel_1m=0.003, baseline_m=0.095, subpixel=0.08, depth_unit_m=0.001,
                       dropout=0.005, blob_dropout=0.003, max_range_m=8.0),
    "zed2": DepthNoise("zed2", rel_1m=0.010, baseline_m=0.120, subpixel=0.1, depth_unit_m=0.001,
                       dropout=0.02, blob_dropout=0.01, max_range_m=15.0),
}


def depth_noise(spec: str | DepthNoise | None) -> DepthNoise:
    """A sensor model by name ("d435"), by name and noise factor ("d435x2"), or as given."""
    if spec is None:
        return SENSORS["none"]
    if isinstance(spec, DepthNoise):
        return spec
    name, _, factor = str(spec).partition("x")
    if name not in SENSORS:
        raise InputError(f"unknown depth_noise '{spec}' (known: {', '.join(SENSORS)}, optionally with a "
                         "noise factor such as d435x2)")
    try:
        return SENSORS[name].scaled(float(factor)) if factor else SENSORS[name]
    except ValueError as exc:
        raise InputError(f"bad noise factor in depth_noise '{spec}'") from exc
