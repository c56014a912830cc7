"""A scene as an SDF 1.9 world for gz sim (Harmonic or newer): the table on legs standing on a ground
plane, every object with its shape, size, colour, pose, mass and inertia, a sun, physics, and an
RGB-D camera with the scene's intrinsics, resolution, pose and clipping.

The world frame is the robot base frame of the scene (x forward, y left, z up, table top at z = 0),
so object poses read the same in the scene YAML, in the SDF and in sim/scene_state.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

import numpy as np

from ..sim.scene import TABLE_COLOR, ObjectSpec, SceneSpec
from ..sim.world import FAR, NEAR, TABLE_THICKNESS
from .camera import gz_camera_pose, pose_to_sdf

SDF_VERSION = "1.9"
TABLE_HEIGHT = 0.75      # the ground plane lies this far below the table top
LEG_SIDE = 0.05
CAMERA_MODEL, CAMERA_SENSOR = "rgbd_camera", "rgbd_camera"
PLUGINS = (  # the gz sim systems the world needs: physics, the set_pose service, scene, sensors
    ("gz-sim-physics-system", "gz::sim::systems::Physics"),
    ("gz-sim-user-commands-system", "gz::sim::systems::UserCommands"),
    ("gz-sim-scene-broadcaster-system", "gz::sim::systems::SceneBroadcaster"),
    ("gz-sim-sensors-system", "gz::sim::systems::Sensors"),
)


@dataclass(frozen=True)
class CameraTopics:
    """gz topics of the rgbd_camera sensor (gz-sensors appends these to the sensor's <topic>)."""
    base: str

    @property
    def image(self) -> str:
        return f"{self.base}/image"

    @property
    def depth(self) -> str:
        return f"{self.base}/depth_image"

    @property
    def camera_info(self) -> str:
        return f"{self.base}/camera_info"


def camera_topics(scene: SceneSpec) -> CameraTopics:
    return CameraTopics(f"/{scene.name}/{CAMERA_SENSOR}")


def _sub(parent: ET.Element, tag: str, text=None, **attributes) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: str(v) for k, v in attributes.items()})
    if text is not None:
        element.text = text if isinstance(text, str) else " ".join(f"{v:.9g}" for v in np.ravel(text))
    return element


def _rgba(rgb, alpha: float = 1.0) -> list[float]:
    return [*rgb, alpha]


def _geometry(parent: ET.Element, shape: str, size) -> None:
    geometry = _sub(parent, "geometry")
    sx, sy, sz = size
    if shape in ("cube", "box"):
        _sub(_sub(geometry, "box"), "size", [sx, sy, sz])
    elif shape == "sphere":
        _sub(_sub(geometry, "sphere"), "radius", f"{sx / 2:.9g}")
    else:  # cylinder, plate
        cylinder = _sub(geometry, "cylinder")
        _sub(cylinder, "radius", f"{sx / 2:.9g}")
        _sub(cylinder, "length", f"{sz:.9g}")


def inertia(shape: str, size, mass: float) -> tuple[float, float, float]:
    """Principal moments (ixx, iyy, izz) of a solid box, sphere or cylinder about its centre."""
    sx, sy, sz = size
    if shape in ("cube", "box"):
        return (mass * (sy ** 2 + sz ** 2) / 12, mass * (sx ** 2 + sz ** 2) / 12, mass * (sx ** 2 + sy ** 2) / 12)
    r = sx / 2
    if shape == "sphere":
        return (0.4 * mass * r ** 2,) * 3
    side = mass * (3 * r ** 2 + sz ** 2) / 12
    return side, side, 0.5 * mass * r ** 2


def _material(parent: ET.Element, rgb) -> None:
    material = _sub(parent, "material")
    _sub(material, "ambient", _rgba(rgb))
    _sub(material, "diffuse", _rgba(rgb))
    _sub(material, "specular", [0.1, 0.1, 0.1, 1.0])


def _shape_parts(link: ET.Element, name: str, shape: str, size, rgb, pose: str = "0 0 0 0 0 0") -> None:
    for kind in ("collision", "visual"):
        part = _sub(link, kind, name=f"{name}_{kind}")
        _sub(part, "pose", pose)
        _geometry(part, shape, size)
        if kind == "visual":
            _material(part, rgb)


def _object_model(world: ET.Element, spec: ObjectSpec) -> None:
    model = _sub(world, "model", name=spec.name)
    _sub(model, "pose", f"{spec.position[0]:.9g} {spec.position[1]:.9g} {spec.size[2] / 2:.9g} 0 0 {spec.yaw:.9g}")
    link = _sub(model, "link", name="link")
    inertial = _sub(link, "inertial")
    _sub(inertial, "mass", f"{spec.mass:.9g}")
    moments = _sub(inertial, "inertia")
    for key, value in zip(("ixx", "iyy", "izz"), inertia(spec.shape, spec.size, spec.mass)):
        _sub(moments, key, f"{value:.9g}")
    for key in ("ixy", "ixz", "iyz"):
        _sub(moments, key, "0")
    _shape_parts(link, spec.name, spec.shape, spec.size, spec.rgb)


def _table(world: ET.Element, scene: SceneSpec) -> None:
    sx, sy = scene.table_size
    cx, cy = scene.table_center
    model = _sub(world, "model", name="table")
    _sub(model, "static", "true")
    _sub(model, "pose", f"{cx:.9g} {cy:.9g} 0 0 0 0")
    link = _sub(model, "link", name="link")
    _shape_parts(link, "top", "box", (sx, sy, TABLE_THICKNESS), TABLE_COLOR, f"0 0 {-TABLE_THICKNESS / 2:.9g} 0 0 0")
    leg = TABLE_HEIGHT - TABLE_THICKNESS
    for index, (kx, ky) in enumerate(((1, 1), (1, -1), (-1, 1), (-1, -1))):
        x, y = kx * (sx / 2 - LEG_SIDE), ky * (sy / 2 - LEG_SIDE)
        _shape_parts(link, f"leg{index}", "box", (LEG_SIDE, LEG_SIDE, leg), TABLE_COLOR,
                     f"{x:.9g} {y:.9g} {-TABLE_THICKNESS - leg / 2:.9g} 0 0 0")


def _ground(world: ET.Element) -> None:
    model = _sub(world, "model", name="ground_plane")
    _sub(model, "static", "true")
    _sub(model, "pose", f"0 0 {-TABLE_HEIGHT:.9g} 0 0 0")
    link = _sub(model, "link", name="link")
    for kind in ("collision", "visual"):
        part = _sub(link, kind, name=f"ground_{kind}")
        plane = _sub(_sub(part, "geometry"), "plane")
        _sub(plane, "normal", "0 0 1")
        _sub(plane, "size", "20 20")
        if kind == "visual":
            _material(part, (0.6, 0.6, 0.6))


def _camera(world: ET.Element, scene: SceneSpec, update_rate: float) -> None:
    k = scene.camera.intrinsics
    model = _sub(world, "model", name=CAMERA_MODEL)
    _sub(model, "static", "true")
    _sub(model, "pose", pose_to_sdf(gz_camera_pose(scene.camera)))
    link = _sub(model, "link", name="link")
    sensor = _sub(link, "sensor", name=CAMERA_SENSOR, type="rgbd_camera")
    _sub(sensor, "always_on", "true")
    _sub(sensor, "update_rate", f"{update_rate:.9g}")
    _sub(sensor, "topic", camera_topics(scene).base)
    camera = _sub(sensor, "camera", name=CAMERA_SENSOR)
    _sub(camera, "horizontal_fov", f"{2 * np.arctan(k.width / (2 * k.fx)):.12g}")
    image = _sub(camera, "image")
    _sub(image, "width", str(k.width))
    _sub(image, "height", str(k.height))
    _sub(image, "format", "R8G8B8")
    clip = _sub(camera, "clip")
    _sub(clip, "near", f"{NEAR:.9g}")
    _sub(clip, "far", f"{FAR:.9g}")
    depth_clip = _sub(_sub(camera, "depth_camera"), "clip")
    _sub(depth_clip, "near", f"{NEAR:.9g}")
    _sub(depth_clip, "far", f"{FAR:.9g}")
    lens = _sub(camera, "lens")
    intrinsics = _sub(lens, "intrinsics")
    for key, value in (("fx", k.fx), ("fy", k.fy), ("cx", k.cx), ("cy", k.cy), ("s", 0.0)):
        _sub(intrinsics, key, f"{value:.9g}")


def scene_to_sdf(scene: SceneSpec, update_rate: float = 5.0) -> str:
    root = ET.Element("sdf", version=SDF_VERSION)
    world = _sub(root, "world", name=scene.name)
    physics = _sub(world, "physics", name="1ms", type="dart")
    _sub(physics, "max_step_size", "0.001")
    _sub(physics, "real_time_factor", "1.0")
    for filename, name in PLUGINS:
        _sub(world, "plugin", filename=filename, name=name)
    _sub(world, "gravity", "0 0 -9.81")
    scene_element = _sub(world, "scene")
    _sub(scene_element, "ambient", "0.4 0.4 0.4 1")
    _sub(scene_element, "background", "0.7 0.7 0.7 1")
    _sub(scene_element, "shadows", "false")
    sun = _sub(world, "light", name="sun", type="directional")
    _sub(sun, "cast_shadows", "false")
    _sub(sun, "pose", "0 0 5 0 0 0")
    _sub(sun, "diffuse", "0.9 0.9 0.9 1")
    _sub(sun, "specular", "0.2 0.2 0.2 1")
    _sub(sun, "direction", "-0.4 -0.3 -1.0")  # the built-in renderer's light comes from (0.4, 0.3, 1)
    _ground(world)
    _table(world, scene)
    for spec in scene.objects:
        _object_model(world, spec)
    _camera(world, scene, update_rate)
    ET.indent(root)
    return '<?xml version="1.0"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
