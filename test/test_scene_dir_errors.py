"""Bad SCENE_DIRs get errors that name the file and the field, and hints for likely mistakes."""
import re
import shutil
import struct
import zlib

import cv2
import numpy as np
import pytest
import yaml

from vlm_agent.core.errors import InputError
from vlm_agent.core.perception.scene_dir import read_scene_dir, write_scene_dir


@pytest.fixture
def scene(tmp_path, tabletop):
    spec, rendered, _, _ = tabletop
    return write_scene_dir(tmp_path / "scene", rendered.rgb, rendered.depth_m, spec.camera.intrinsics,
                           spec.camera.base_from_camera())


def _edit_camera(scene, **changes):
    path = scene / "camera.yaml"
    data = yaml.safe_load(path.read_text())
    data.update(changes)
    path.write_text(yaml.safe_dump(data))


@pytest.mark.parametrize("changes, message", [
    ({"image_width": "wide"}, "camera.yaml: image_width: 'wide' is not an integer"),
    ({"image_height": None}, "camera.yaml: image_height: None is not an integer"),
    ({"image_width": 0}, "camera.yaml: image_width: 0 is not positive"),
    ({"image_width": 320}, "camera.yaml: image_width x image_height is 320x480 but rgb.png is 640x480"),
    ({"camera_matrix": {"rows": 3, "cols": 3}}, "camera.yaml: camera_matrix.data: missing"),
    ({"camera_matrix": {"data": [1, 2, 3]}}, "camera.yaml: camera_matrix.data: needs 9 numbers, got 3"),
    ({"camera_matrix": {"data": [500, 0, 320, 0, 500, "x", 0, 0, 1]}},
     "camera.yaml: camera_matrix.data: every entry must be a finite number"),
    ({"camera_matrix": {"data": [500, 0, 320, 0, 500, float("nan"), 0, 0, 1]}},
     "camera.yaml: camera_matrix.data: every entry must be a finite number"),
    ({"camera_matrix": {"data": [500, 0, 0, 0, 500, 0, 320, 240, 1]}},
     "camera.yaml: camera_matrix.data: last row is [320.0, 240.0, 1.0], not [0, 0, 1]"),
    ({"base_from_camera": [1, 0, 0, float("inf"), 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]},
     "camera.yaml: base_from_camera: every entry must be a finite number"),
    ({"base_from_camera": [1.0] * 12}, "camera.yaml: base_from_camera: needs 16 numbers, got 12"),
    ({"base_from_camera": [2, 0, 0, 0, 0, 2, 0, 0, 0, 0, 2, 0, 0, 0, 0, 1]},
     "camera.yaml: base_from_camera: rotation part is not orthonormal"),
    ({"base_from_camera": [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 1, 1]},
     "camera.yaml: base_from_camera: last row is"),
    ({"base_from_camera": [1.002, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]},
     "camera.yaml: base_from_camera: rotation part is not orthonormal"),
])
def test_camera_yaml_errors_name_the_file_and_field(scene, changes, message):
    _edit_camera(scene, **changes)
    with pytest.raises(InputError) as error:
        read_scene_dir(scene)
    assert message in str(error.value)


def test_rotation_within_the_tolerance_is_accepted(scene):
    _edit_camera(scene, base_from_camera=[1.0002, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1])
    assert read_scene_dir(scene).base_from_camera[0, 0] == 1.0002


def test_missing_field_is_named(scene):
    path = scene / "camera.yaml"
    data = yaml.safe_load(path.read_text())
    del data["image_width"]
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(InputError, match="camera.yaml: image_width: missing"):
        read_scene_dir(scene)


def test_missing_rgb_names_the_path(scene):
    (scene / "rgb.png").unlink()
    with pytest.raises(InputError, match="rgb.png not found"):
        read_scene_dir(scene)


def test_missing_depth_is_named_where_depth_is_required(scene):
    (scene / "depth.png").unlink()
    assert read_scene_dir(scene).depth_m is None
    with pytest.raises(InputError, match="depth.png not found"):
        read_scene_dir(scene, depth_required=True)


def test_depth_that_is_not_an_image_is_named(scene):
    (scene / "depth.png").write_bytes(b"not an image")
    with pytest.raises(InputError, match="depth.png: not a readable image"):
        read_scene_dir(scene)


def test_depth_without_readings_names_the_scene_dir(scene):
    cv2.imwrite(str(scene / "depth.png"), np.zeros((480, 640), np.uint16))
    with pytest.raises(InputError, match=f"^{re.escape(str(scene))}: depth image has only 0.0% valid readings"):
        read_scene_dir(scene)


def test_depth_saved_in_metres_gets_a_hint(scene, tabletop):
    metres = np.nan_to_num(tabletop[1].depth_m, nan=0.0).round().astype(np.uint16)
    cv2.imwrite(str(scene / "depth.png"), metres)
    with pytest.raises(InputError, match="saved in metres instead of millimetres"):
        read_scene_dir(scene)


def test_eight_bit_depth_is_named(scene):
    cv2.imwrite(str(scene / "depth.png"), np.zeros((480, 640), np.uint8))
    with pytest.raises(InputError, match="16-bit PNG in millimetres .found uint8"):
        read_scene_dir(scene)


def test_principal_point_off_the_image_gets_a_hint(scene):
    data = yaml.safe_load((scene / "camera.yaml").read_text())["camera_matrix"]
    data["data"][2] = 5000.0
    _edit_camera(scene, camera_matrix=data)
    with pytest.raises(InputError, match="principal point .* outside the 640x480 image"):
        read_scene_dir(scene)


@pytest.mark.parametrize("focal, message", [
    ((0.72, 0.72), "camera.yaml: camera_matrix: fx=0.72 gives a 179.7 degree field of view across 640 pixels"),
    ((500, 50000), "camera.yaml: camera_matrix: fy=50000 gives a 0.6 degree field of view across 480 pixels"),
])
def test_focal_length_in_the_wrong_unit_gets_a_hint(scene, focal, message):
    _edit_camera(scene, camera_matrix={"data": [focal[0], 0, 320, 0, focal[1], 240, 0, 0, 1]})
    with pytest.raises(InputError, match=message):
        read_scene_dir(scene)


def _png_header_only(path, width, height):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + header + chunk(b"IEND", b""))


def test_huge_images_are_refused_without_decoding(scene):
    _png_header_only(scene / "rgb.png", 20000, 20000)
    with pytest.raises(InputError, match="rgb.png: 20000x20000 pixels is more than the limit of 16777216 pixels"):
        read_scene_dir(scene)


def test_oversized_images_are_refused_from_the_header(scene, tmp_path):
    with pytest.raises(InputError, match=r"rgb.png: 640x480 pixels is more than the limit of 1000 pixels"):
        read_scene_dir(scene, max_pixels=1000)
    big = tmp_path / "big"
    shutil.copytree(scene, big)
    cv2.imwrite(str(big / "rgb.png"), np.zeros((4200, 4200, 3), np.uint8))
    with pytest.raises(InputError, match="4200x4200 pixels is more than the limit"):
        read_scene_dir(big)
