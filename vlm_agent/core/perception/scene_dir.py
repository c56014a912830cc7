"""SCENE_DIR: rgb.png (8-bit RGB), depth.png (16-bit mm, 0 = none), camera.yaml (ROS camera_info)."""
from __future__ import annotations

import struct
from pathlib import Path

import cv2
import numpy as np
import yaml

from .camera import CameraIntrinsics, camera_yaml_dict, load_camera_yaml
from ..errors import InputError
from .frame import RGBDFrame


MAX_PIXELS = 4096 * 4096
METRES_IN_MILLIMETRE_PNG_MM = 20  # every depth under 2 cm: the PNG almost surely holds metres
FIELD_OF_VIEW_DEG = (3.0, 170.0)  # outside this a pinhole fx/fy is in the wrong unit (normalised, mm, ...)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def image_size(path: Path) -> tuple[int, int]:
    """(width, height) from the file's header, without decoding the pixels."""
    try:
        with path.open("rb") as file:
            head = file.read(24)
    except FileNotFoundError as exc:
        raise InputError(f"{path} not found") from exc
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from exc
    if head[:8] == PNG_SIGNATURE and head[12:16] == b"IHDR":
        return struct.unpack(">II", head[16:24])
    from PIL import Image
    try:
        with Image.open(path) as image:
            return image.size
    except (OSError, Image.DecompressionBombError) as exc:
        raise InputError(f"{path}: not a readable image ({exc})") from exc


def check_image_size(path: Path, max_pixels: int = MAX_PIXELS) -> None:
    """Refuse an image too large to process from its header, before decoding it."""
    width, height = image_size(path)
    if width * height > max_pixels:
        raise InputError(f"{path}: {width}x{height} pixels is more than the limit of {max_pixels} pixels "
                         f"(e.g. {int(max_pixels ** 0.5)}x{int(max_pixels ** 0.5)})")


def read_rgb(path: Path, max_pixels: int = MAX_PIXELS) -> np.ndarray:
    check_image_size(path, max_pixels)
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise InputError(f"cannot read colour image {path}")
    return image[:, :, ::-1].copy()


def read_depth(path: Path, max_pixels: int = MAX_PIXELS) -> np.ndarray:
    check_image_size(path, max_pixels)
    raw = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if raw is None or raw.dtype != np.uint16 or raw.ndim != 2:
        found = "unreadable" if raw is None else f"{raw.dtype}, {raw.ndim} dimension(s)"
        raise InputError(f"{path} must be a single-channel 16-bit PNG in millimetres (found {found})")
    valid = raw[raw > 0]
    if valid.size and valid.max() < METRES_IN_MILLIMETRE_PNG_MM:
        raise InputError(f"{path}: every depth value is at most {valid.max()} mm: was it saved in metres instead "
                         "of millimetres? Multiply by 1000 before writing the 16-bit PNG")
    depth = raw.astype(np.float32) / 1000.0
    depth[raw == 0] = np.nan
    return depth


def check_projection(rgb: np.ndarray, intrinsics: CameraIntrinsics, camera_path: Path) -> None:
    """Intrinsics of another image size, a principal point off the image or a focal length in the wrong unit
    put every depth point in the wrong place: name the probable mistake."""
    size = f"{intrinsics.width}x{intrinsics.height}"
    if (intrinsics.width, intrinsics.height) != (rgb.shape[1], rgb.shape[0]):
        raise InputError(f"{camera_path.name}: image_width x image_height is {size} "
                         f"but rgb.png is {rgb.shape[1]}x{rgb.shape[0]}")
    if not (0 <= intrinsics.cx <= intrinsics.width and 0 <= intrinsics.cy <= intrinsics.height):
        raise InputError(f"{camera_path.name}: camera_matrix: principal point ({intrinsics.cx:.0f}, "
                         f"{intrinsics.cy:.0f}) lies outside the {size} image; "
                         "points would project off the image (is the matrix row-major, in pixels?)")
    _check_field_of_view(intrinsics, camera_path)


def _check_field_of_view(intrinsics: CameraIntrinsics, camera_path: Path) -> None:
    for name, focal, pixels in (("fx", intrinsics.fx, intrinsics.width), ("fy", intrinsics.fy, intrinsics.height)):
        degrees = np.degrees(2 * np.arctan(pixels / (2 * focal)))
        if not FIELD_OF_VIEW_DEG[0] <= degrees <= FIELD_OF_VIEW_DEG[1]:
            raise InputError(f"{camera_path.name}: camera_matrix: {name}={focal:g} gives a {degrees:.1f} degree field "
                             f"of view across {pixels} pixels; objects would not be found (is {name} in pixels?)")


def read_scene_dir(directory: str | Path, max_pixels: int = MAX_PIXELS, depth_required: bool = False) -> RGBDFrame:
    directory = Path(directory)
    if not directory.is_dir():
        raise InputError(f"{directory} is not a directory (expected rgb.png, depth.png, camera.yaml)")
    rgb = read_rgb(directory / "rgb.png", max_pixels)
    depth_path, camera_path = directory / "depth.png", directory / "camera.yaml"
    depth = read_depth(depth_path, max_pixels) if depth_required or depth_path.exists() else None
    calibration = load_camera_yaml(camera_path) if camera_path.exists() else None
    if depth is not None and calibration is None:
        raise InputError(f"{camera_path} is missing: depth needs the camera intrinsics")
    if calibration is not None:
        check_projection(rgb, calibration.intrinsics, camera_path)
    try:
        return RGBDFrame(rgb, depth, calibration.intrinsics if calibration else None,
                         calibration.base_from_camera if calibration else None, key=str(directory.resolve()))
    except InputError as exc:
        raise InputError(f"{directory}: {exc}") from exc


def write_scene_dir(directory: str | Path, rgb: np.ndarray, depth_m: np.ndarray, intrinsics: CameraIntrinsics,
                    base_from_camera: np.ndarray | None = None) -> Path:
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(directory / "rgb.png"), rgb[:, :, ::-1])
    millimetres = np.nan_to_num(depth_m * 1000.0, nan=0.0).round().clip(0, 65535).astype(np.uint16)
    cv2.imwrite(str(directory / "depth.png"), millimetres)
    (directory / "camera.yaml").write_text(yaml.safe_dump(camera_yaml_dict(intrinsics, base_from_camera),
                                                          sort_keys=False))
    return directory
