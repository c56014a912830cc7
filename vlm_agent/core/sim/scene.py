"""Scene descriptions (YAML) for the tabletop simulator."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from ..perception.camera import CameraIntrinsics
from ..errors import InputError
from .billboard import parse_person

BUILTIN_SCENES = Path(__file__).resolve().parents[2] / "scenes"

COLORS = {
    "red": (0.85, 0.08, 0.08), "dark red": (0.45, 0.03, 0.03),
    "green": (0.10, 0.65, 0.15), "dark green": (0.03, 0.32, 0.06), "light green": (0.55, 0.92, 0.50),
    "blue": (0.08, 0.20, 0.85), "dark blue": (0.03, 0.06, 0.42), "light blue": (0.50, 0.72, 0.98),
    "yellow": (0.95, 0.85, 0.08), "orange": (0.98, 0.45, 0.05), "purple": (0.50, 0.12, 0.70),
    "pink": (0.98, 0.45, 0.70), "brown": (0.45, 0.25, 0.10), "white": (0.95, 0.95, 0.95),
    "black": (0.06, 0.06, 0.06), "gray": (0.50, 0.50, 0.50),
}
SHAPES = ("cube", "box", "sphere", "cylinder", "plate")
TABLE_COLOR = (0.78, 0.72, 0.62)


@dataclass(frozen=True)
class ObjectSpec:
    name: str
    shape: str
    color: str
    size: tuple[float, float, float]  # full extent x, y, z in metres
    position: tuple[float, float]     # x, y on the table top (base frame)
    yaw: float = 0.0
    mass: float = 0.1
    elevation: float = 0.0            # height of its bottom above the table (stacked on another object)

    @property
    def rgb(self) -> tuple[float, float, float]:
        return COLORS[self.color]


@dataclass(frozen=True)
class CameraSpec:
    intrinsics: CameraIntrinsics
    position: tuple[float, float, float]
    look_at: tuple[float, float, float]

    def base_from_camera(self) -> np.ndarray:
        """4x4 pose of the optical frame (x right, y down, z forward) in the base frame."""
        eye, target = np.asarray(self.position, float), np.asarray(self.look_at, float)
        forward = target - eye
        forward /= np.linalg.norm(forward)
        right = np.cross(forward, [0.0, 0.0, 1.0])
        right /= np.linalg.norm(right)
        down = np.cross(forward, right)
        transform = np.eye(4)
        transform[:3, :3] = np.stack([right, down, forward], axis=1)
        transform[:3, 3] = eye
        return transform


@dataclass(frozen=True)
class SceneSpec:
    name: str
    camera: CameraSpec
    objects: tuple[ObjectSpec, ...]
    table_size: tuple[float, float] = (0.9, 1.2)
    table_center: tuple[float, float] = (0.55, 0.0)
    people: tuple[tuple[float, float], ...] = field(default=())
    person_specs: tuple = field(default=())  # billboard.PersonSpec per person: a photo on an upright plane


def _size(shape: str, raw) -> tuple[float, float, float]:
    values = [float(v) for v in (raw if isinstance(raw, (list, tuple)) else [raw])]
    if shape in ("cube", "sphere") and len(values) == 1:
        return (values[0],) * 3
    if shape in ("cylinder", "plate") and len(values) == 2:
        return (values[0], values[0], values[1])
    if shape == "box" and len(values) == 3:
        return tuple(values)
    raise InputError(f"bad size {raw!r} for a {shape} (cube/sphere: d; cylinder/plate: [d, h]; box: [x, y, z])")


def parse_scene(data: dict) -> SceneSpec:
    try:
        cam = data["camera"]
        width, height = int(cam.get("width", 640)), int(cam.get("height", 480))
        fy = float(cam["fy"]) if "fy" in cam else height / (2 * np.tan(np.radians(cam.get("fov_y_deg", 55)) / 2))
        intrinsics = CameraIntrinsics(width, height, fy, fy, width / 2, height / 2)
        camera = CameraSpec(intrinsics, tuple(cam["position"]), tuple(cam["look_at"]))
        objects = []
        for item in data.get("objects", []):
            shape = item["shape"]
            if shape not in SHAPES:
                raise InputError(f"unknown shape '{shape}' (known: {', '.join(SHAPES)})")
            if item["color"] not in COLORS:
                raise InputError(f"unknown colour '{item['color']}' (known: {', '.join(COLORS)})")
            objects.append(ObjectSpec(
                name=str(item["name"]), shape=shape, color=item["color"], size=_size(shape, item["size"]),
                position=(float(item["position"][0]), float(item["position"][1])),
                yaw=float(item.get("yaw", 0.0)), mass=float(item.get("mass", 0.1))))
        table = data.get("table", {})
        return SceneSpec(
            name=str(data.get("name", "scene")), camera=camera, objects=tuple(objects),
            table_size=tuple(table.get("size", (0.9, 1.2))), table_center=tuple(table.get("center", (0.55, 0.0))),
            people=tuple(parse_person(p).position for p in data.get("people", [])),
            person_specs=tuple(parse_person(p) for p in data.get("people", [])))
    except (KeyError, TypeError, IndexError, ValueError) as exc:
        raise InputError(f"invalid scene description: {exc!r}") from exc


def load_scene(name_or_path: str | Path) -> SceneSpec:
    """Load a scene by path, or by the name of a built-in scene (e.g. "tabletop")."""
    path = Path(name_or_path)
    if not path.suffix and not path.exists():
        path = BUILTIN_SCENES / f"{name_or_path}.yaml"
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        known = ", ".join(p.stem for p in BUILTIN_SCENES.glob("*.yaml"))
        raise InputError(f"cannot load scene '{name_or_path}': {exc} (built-in scenes: {known})") from exc
    return parse_scene(data)
