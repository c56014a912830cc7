"""Raw image buffers (as in sensor_msgs/Image) to numpy and back, honouring step and encoding."""
from __future__ import annotations

import numpy as np

from ..errors import InputError

# encoding -> (dtype, channels)
ENCODINGS = {
    "rgb8": (np.uint8, 3),
    "bgr8": (np.uint8, 3),
    "rgba8": (np.uint8, 4),
    "bgra8": (np.uint8, 4),
    "mono8": (np.uint8, 1),
    "mono16": (np.uint16, 1),
    "16UC1": (np.uint16, 1),
    "32FC1": (np.float32, 1),
}
MAX_SIDE = 8192


def decode_image(data: bytes, width: int, height: int, encoding: str, step: int,
                 is_bigendian: bool = False) -> np.ndarray:
    """Return an (H, W) or (H, W, C) array; raise InputError with the reason if malformed."""
    if encoding not in ENCODINGS:
        raise InputError(f"unsupported image encoding '{encoding}' (supported: {', '.join(ENCODINGS)})")
    if width <= 0 or height <= 0:
        raise InputError(f"empty image ({width}x{height})")
    if width > MAX_SIDE or height > MAX_SIDE:
        raise InputError(f"image too large ({width}x{height}, max side {MAX_SIDE})")
    dtype, channels = ENCODINGS[encoding]
    dtype = np.dtype(dtype).newbyteorder(">" if is_bigendian else "<")
    row_bytes = width * channels * dtype.itemsize
    if step < row_bytes:
        raise InputError(f"step {step} is smaller than one row of {width}x{encoding} ({row_bytes} bytes)")
    if len(data) != step * height:
        raise InputError(f"image data has {len(data)} bytes, expected step*height = {step}*{height} = {step * height}")
    rows = np.frombuffer(data, dtype=np.uint8).reshape(height, step)[:, :row_bytes]
    image = np.ascontiguousarray(rows).view(dtype).reshape(height, width, channels).astype(dtype.newbyteorder("="))
    return image[:, :, 0] if channels == 1 else image


def to_rgb(image: np.ndarray, encoding: str) -> np.ndarray:
    if encoding == "rgb8":
        return image
    if encoding == "bgr8":
        return image[:, :, ::-1]
    if encoding == "rgba8":
        return image[:, :, :3]
    if encoding == "bgra8":
        return image[:, :, 2::-1]
    if encoding == "mono8":
        return np.repeat(image[:, :, None], 3, axis=2)
    raise InputError(f"'{encoding}' is not a colour encoding")


def to_depth_m(image: np.ndarray, encoding: str) -> np.ndarray:
    """Depth in metres (float32); missing readings become NaN."""
    if encoding in ("16UC1", "mono16"):
        depth = image.astype(np.float32) / 1000.0
        depth[image == 0] = np.nan
        return depth
    if encoding == "32FC1":
        depth = image.astype(np.float32, copy=True)
        depth[~np.isfinite(depth) | (depth <= 0)] = np.nan
        return depth
    raise InputError(f"'{encoding}' is not a depth encoding (use 32FC1 metres or 16UC1 millimetres)")


def encode_image(image: np.ndarray, encoding: str) -> tuple[bytes, int]:
    """Return (data, step) for an array in the given encoding."""
    dtype, channels = ENCODINGS[encoding]
    image = np.ascontiguousarray(image, dtype=dtype)
    expected = 2 if channels == 1 else 3
    if image.ndim != expected or (channels > 1 and image.shape[2] != channels):
        raise InputError(f"array of shape {image.shape} does not match encoding {encoding}")
    return image.tobytes(), image.shape[1] * channels * np.dtype(dtype).itemsize
