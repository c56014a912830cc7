"""Bad SCENE_DIRs get errors that name the file and the field, and hints for likely mistakes."""
import shutil

import cv2
import numpy as np
import pytest
import yaml

from vlm_agent.core.errors import InputError
from vlm_agent.core.scene_dir import read_scene_dir, write_scene_dir


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
    ({"camera_matrix": {"data": [1, 2, 3]}}, "camera.yaml: camera_matrix.data: needs 9 numbers, got 3"),
    ({"camera_matrix": {"data": [500, 0, 320, 0, 500, "x", 0, 0, 1]}},
     "camera.yaml: camera_matrix.data: every entry must be a finite number"),
    ({"base_from_camera": [1.0] * 12}, "camera.yaml: base_from_camera: needs 16 numbers, got 12"),
    ({"base_from_camera": [2, 0, 0, 0, 0, 2, 0, 0, 0, 0, 2, 0, 0, 0, 0, 1]},
     "camera.yaml: base_from_camera: rotation part is not orthonormal"),
    ({"base_from_camera": [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 1, 1]},
     "camera.yaml: base_from_camera: last row is"),
])
def test_camera_yaml_errors_name_the_file_and_field(scene, changes, message):
    _edit_camera(scene, **changes)
    with pytest.raises(InputError) as error:
        read_scene_dir(scene)
    assert message in str(error.value)


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


def test_oversized_images_are_refused_from_the_header(scene, tmp_path):
    with pytest.raises(InputError, match=r"rgb.png: 640x480 pixels is more than the limit of 1000 pixels"):
        read_scene_dir(scene, max_pixels=1000)
    big = tmp_path / "big"
    shutil.copytree(scene, big)
    cv2.imwrite(str(big / "rgb.png"), np.zeros((4200, 4200, 3), np.uint8))
    with pytest.raises(InputError, match="4200x4200 pixels is more than the limit"):
        read_scene_dir(big)
