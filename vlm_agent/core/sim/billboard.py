"""A person in the simulator: a real photo (skimage.data, or an image file) textured onto an
upright plane facing the camera, so RGB and depth agree. Scene YAML: under `people:`, either
[x, y] or {position: [x, y], photo: astronaut, height: 0.7, bottom: 0.2}."""
from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pybullet as pb

from ..errors import InputError

DEFAULT_PHOTO = "astronaut"
# columns that centre the person in the built-in photos, so the plane's centre is where they stand
PERSON_COLUMNS = {"astronaut": (0, 360), "camera": (40, 360)}


@dataclass(frozen=True)
class PersonSpec:
    position: tuple[float, float]       # centre of the plane on the floor plan, base frame
    photo: str = DEFAULT_PHOTO          # skimage.data name or image path
    height: float = 0.7                 # metres; width follows the photo's aspect ratio
    bottom: float = 0.2                 # metres above the table top (z = 0)


def parse_person(entry) -> PersonSpec:
    if isinstance(entry, dict):
        x, y = entry["position"]
        return PersonSpec((float(x), float(y)), str(entry.get("photo", DEFAULT_PHOTO)),
                          float(entry.get("height", 0.7)), float(entry.get("bottom", 0.2)))
    x, y = entry
    return PersonSpec((float(x), float(y)))


def load_photo(photo: str) -> np.ndarray:
    """HxWx3 uint8 RGB from a skimage.data name or an image file."""
    if Path(photo).suffix:
        image = cv2.imread(photo, cv2.IMREAD_COLOR)
        if image is None:
            raise InputError(f"person photo {photo} cannot be read")
        return image[:, :, ::-1].copy()
    try:
        import skimage.data
        image = getattr(skimage.data, photo)()
    except (ImportError, AttributeError) as exc:
        raise InputError(f"person photo '{photo}' is neither an image file nor a skimage.data photo ({exc})") from exc
    image = np.stack([image] * 3, -1) if image.ndim == 2 else image[:, :, :3]
    first, last = PERSON_COLUMNS.get(photo, (0, image.shape[1]))
    return np.ascontiguousarray(image[:, first:last])


class Billboard:
    """One person plane in a pybullet client; move() places it anew (e.g. into the workspace)."""

    def __init__(self, client: int, spec: PersonSpec, facing: tuple[float, float, float]):
        self.client, self.spec, self.facing = client, spec, np.asarray(facing, float)
        photo = load_photo(spec.photo)
        height, width = spec.height, spec.height * photo.shape[1] / photo.shape[0]
        self.width = width
        # a quad in the body's y-z plane (normal +x), textured with the whole photo
        w, h = width / 2, height / 2
        vertices = [[0, -w, -h], [0, w, -h], [0, w, h], [0, -w, h]]   # seen from +x: +y is right
        uvs = [[0, 0], [1, 0], [1, 1], [0, 1]]
        shape = pb.createVisualShape(pb.GEOM_MESH, vertices=vertices, indices=[0, 1, 2, 0, 2, 3, 0, 2, 1, 0, 3, 2],
                                     uvs=uvs, normals=[[1, 0, 0]] * 4, physicsClientId=client)
        self.body = pb.createMultiBody(0, -1, shape, self._pose(spec.position)[0], physicsClientId=client)
        self._texture_file = Path(tempfile.mkdtemp(prefix="vlm_agent_person_")) / "photo.png"
        cv2.imwrite(str(self._texture_file), photo[:, :, ::-1])
        texture = pb.loadTexture(str(self._texture_file), physicsClientId=client)
        pb.changeVisualShape(self.body, -1, textureUniqueId=texture, rgbaColor=[1, 1, 1, 1], physicsClientId=client)
        self.move(*spec.position)

    def _pose(self, position):
        x, y = position
        yaw = float(np.arctan2(self.facing[1] - y, self.facing[0] - x))  # plane normal towards the camera
        return [x, y, self.spec.bottom + self.spec.height / 2], pb.getQuaternionFromEuler([0, 0, yaw])

    def move(self, x: float, y: float) -> None:
        self.position = (float(x), float(y))
        position, orientation = self._pose(self.position)
        pb.resetBasePositionAndOrientation(self.body, position, orientation, physicsClientId=self.client)
