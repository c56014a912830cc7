"""`vlm-agent export-gazebo`: the SDF world against the SDF 1.9 spec and pybullet's SDF loader, the
camera against the built-in simulator's, the bridge YAML and the grounding node's camera pose.

gz sim is not installable here; what gz itself would do with these files is not run (README)."""
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pybullet as pb
import pytest
import yaml

from vlm_agent.core.gazebo.camera import GZ_FROM_OPTICAL, optical_from_gz_pose, pose_from_sdf
from vlm_agent.core.gazebo.export import export_gazebo
from vlm_agent.core.gazebo.sdf import inertia
from vlm_agent.core.perception.transforms import rigid_transform_problem
from vlm_agent.core.sim.scene import load_scene
from vlm_agent.core.sim.world import FAR, NEAR

REPO = Path(__file__).resolve().parents[1]
SPEC = yaml.safe_load((REPO / "test" / "data" / "sdf_1.9_elements.yaml").read_text())
BOXES_SCENE = """
name: boxes_and_cans
camera: {width: 800, height: 600, fy: 610.0, position: [0.02, 0.15, 0.7], look_at: [0.6, -0.05, 0.0]}
table: {size: [1.0, 1.4], center: [0.6, 0.05]}
objects:
  - {name: long_box, shape: box, color: purple, size: [0.12, 0.05, 0.04], position: [0.55, 0.2], yaw: 1.1, mass: 0.3}
  - {name: tall_can, shape: cylinder, color: dark green, size: [0.05, 0.14], position: [0.7, -0.1]}
  - {name: small_ball, shape: sphere, color: pink, size: 0.04, position: [0.45, -0.2]}
  - {name: tray, shape: plate, color: black, size: [0.2, 0.015], position: [0.8, 0.25], mass: 0.4}
"""
SCENES = ["tabletop", str(REPO / "config" / "scenarios" / "scenes" / "person_at_table.yaml"), "boxes"]


@pytest.fixture(scope="module", params=SCENES, ids=["tabletop", "person_at_table", "boxes_and_cans"])
def exported(request, tmp_path_factory):
    out = tmp_path_factory.mktemp("gz")
    scene_ref = request.param
    if scene_ref == "boxes":
        scene_ref = str(out / "boxes.yaml")
        Path(scene_ref).write_text(BOXES_SCENE)
    export_gazebo(scene_ref, out / "world")
    return load_scene(scene_ref), out / "world"


def _paths(element, prefix=""):
    path = f"{prefix}/{element.tag}" if prefix else element.tag
    yield path, element
    for child in element:
        yield from _paths(child, path)


def test_the_sdf_is_well_formed_and_uses_only_elements_of_its_declared_version(exported):
    root = ET.parse(exported[1] / "world.sdf").getroot()
    assert root.tag == "sdf" and root.get("version") == SPEC["version"] == "1.9"
    elements = SPEC["elements"]
    for path, element in _paths(root):
        assert path in elements, f"{path} is not in the spec list (regenerate it with scripts/derive_sdf_elements.py)"
        entry = elements[path]
        assert set(element.attrib) <= set(entry["attributes"]), (path, element.attrib)
        if not entry.get("any_children"):
            assert {c.tag for c in element} <= set(entry["children"]), path
    sensor = root.find("world/model/link/sensor")
    assert sensor.get("type") == "rgbd_camera"


def test_the_spec_list_is_the_spec_and_nothing_else_is_emitted():
    # every listed path was emitted by some exported world; a stale entry would hide nothing but is noise
    emitted = set()
    for scene in ("tabletop", str(REPO / "config" / "scenarios" / "scenes" / "person_at_table.yaml")):
        from vlm_agent.core.gazebo.sdf import scene_to_sdf
        emitted |= {p for p, _ in _paths(ET.fromstring(scene_to_sdf(load_scene(scene))))}
    assert emitted == set(SPEC["elements"])
    world = SPEC["elements"]["sdf/world"]
    assert {"model", "light", "physics", "scene", "gravity", "plugin"} <= set(world["children"])
    assert "lens" in SPEC["elements"]["sdf/world/model/link/sensor/camera"]["children"]


def test_pybullet_loads_the_same_objects_poses_sizes_and_colours(exported):
    scene, out = exported
    client = pb.connect(pb.DIRECT)
    try:
        bodies = {pb.getBodyInfo(b, physicsClientId=client)[1].decode(): b
                  for b in pb.loadSDF(str(out / "world.sdf"), physicsClientId=client)}
        assert set(bodies) == {o.name for o in scene.objects} | {"table", "ground_plane", "rgbd_camera"}
        for spec in scene.objects:
            body = bodies[spec.name]
            position, quaternion = pb.getBasePositionAndOrientation(body, physicsClientId=client)
            assert np.allclose(position, [*spec.position, spec.size[2] / 2], atol=1e-6), spec.name
            yaw = pb.getEulerFromQuaternion(quaternion)[2]
            assert abs(np.angle(np.exp(1j * (yaw - spec.yaw)))) < 1e-6, spec.name
            visual = pb.getVisualShapeData(body, physicsClientId=client)[0]
            geometry, dimensions, rgba = visual[2], visual[3], visual[7]
            expected = {"cube": (pb.GEOM_BOX, spec.size), "box": (pb.GEOM_BOX, spec.size),
                        "sphere": (pb.GEOM_SPHERE, (spec.size[0] / 2,)),
                        "cylinder": (pb.GEOM_CYLINDER, (spec.size[2], spec.size[0] / 2)),
                        "plate": (pb.GEOM_CYLINDER, (spec.size[2], spec.size[0] / 2))}[spec.shape]
            assert geometry == expected[0], spec.name
            assert np.allclose(dimensions[:len(expected[1])], expected[1], atol=1e-6), (spec.name, dimensions)
            assert np.allclose(rgba, [*spec.rgb, 1.0], atol=1e-6), spec.name
            assert pb.getDynamicsInfo(body, -1, physicsClientId=client)[0] == pytest.approx(spec.mass)
        top = pb.getVisualShapeData(bodies["table"], physicsClientId=client)[0]
        assert np.allclose(top[3], [*scene.table_size, 0.04]) and np.allclose(
            pb.getBasePositionAndOrientation(bodies["table"], physicsClientId=client)[0], [*scene.table_center, 0])
    finally:
        pb.disconnect(client)


def _sdf_camera(root):
    """Pinhole projection of the SDF's rgbd_camera: pose chain, lens intrinsics, gz axes."""
    model = root.find("world/model[@name='rgbd_camera']")
    camera = model.find("link/sensor/camera")
    base_from_gz = pose_from_sdf(model.findtext("pose"))
    k = {key: float(camera.findtext(f"lens/intrinsics/{key}")) for key in ("fx", "fy", "cx", "cy")}
    width = int(camera.findtext("image/width"))
    hfov = float(camera.findtext("horizontal_fov"))
    assert width / (2 * np.tan(hfov / 2)) == pytest.approx(k["fx"], rel=1e-7)  # fov and intrinsics agree
    return base_from_gz, k, camera


def test_the_sdf_camera_sees_object_centres_at_the_built_in_cameras_pixels(exported):
    scene, out = exported
    root = ET.parse(out / "world.sdf").getroot()
    base_from_gz, k, camera = _sdf_camera(root)
    intrinsics = scene.camera.intrinsics
    assert (int(camera.findtext("image/width")), int(camera.findtext("image/height"))) == \
        (intrinsics.width, intrinsics.height)
    assert float(camera.findtext("clip/near")) == NEAR and float(camera.findtext("clip/far")) == FAR
    # the built-in simulator's camera: pybullet's own view and projection matrices, as world.render() uses
    fov_y = np.degrees(2 * np.arctan(intrinsics.height / (2 * intrinsics.fy)))
    view = np.array(pb.computeViewMatrix(scene.camera.position, scene.camera.look_at, [0, 0, 1])).reshape(4, 4).T
    projection = np.array(pb.computeProjectionMatrixFOV(fov_y, intrinsics.width / intrinsics.height, NEAR, FAR)
                          ).reshape(4, 4).T
    gz_from_base = np.linalg.inv(base_from_gz)
    for model in root.findall("world/model"):
        if model.get("name") not in {o.name for o in scene.objects}:
            continue
        centre = pose_from_sdf(model.findtext("pose"))[:3, 3]
        clip = projection @ view @ np.append(centre, 1.0)
        ndc = clip[:3] / clip[3]
        builtin = np.array([(ndc[0] + 1) / 2 * intrinsics.width, (1 - ndc[1]) / 2 * intrinsics.height])
        x, y, z = (gz_from_base @ np.append(centre, 1.0))[:3]  # gz camera: x forward, y left, z up
        gz_pixel = np.array([k["fx"] * -y / x + k["cx"], k["fy"] * -z / x + k["cy"]])
        assert np.linalg.norm(gz_pixel - builtin) < 1.0, (model.get("name"), gz_pixel, builtin)
        assert 0 <= builtin[0] < intrinsics.width and 0 <= builtin[1] < intrinsics.height


def test_the_grounding_camera_pose_is_the_sdf_pose_turned_into_the_optical_frame(exported):
    scene, out = exported
    params = yaml.safe_load((out / "gazebo_params.yaml").read_text())
    base_from_camera = np.array(params["grounding"]["ros__parameters"]["base_from_camera"]).reshape(4, 4)
    assert rigid_transform_problem(base_from_camera) == ""
    assert np.allclose(base_from_camera, scene.camera.base_from_camera(), atol=1e-6)
    base_from_gz = _sdf_camera(ET.parse(out / "world.sdf").getroot())[0]
    assert np.allclose(base_from_camera, optical_from_gz_pose(base_from_gz), atol=1e-8)
    # optical z (forward) is gz x, optical x (right) is gz -y, optical y (down) is gz -z
    assert np.allclose(GZ_FROM_OPTICAL @ [0, 0, 1], [1, 0, 0]) and np.allclose(GZ_FROM_OPTICAL @ [1, 0, 0], [0, -1, 0])
    executor = params["gazebo_executor"]["ros__parameters"]
    assert executor["world_name"] == scene.name and load_scene(executor["scene"]) == scene


def test_the_bridge_maps_the_sensor_topics_with_gz_types(exported):
    scene, out = exported
    entries = yaml.safe_load((out / "bridge.yaml").read_text())
    sensor = ET.parse(out / "world.sdf").getroot().find("world/model/link/sensor")
    base = sensor.findtext("topic")
    by_ros = {e["ros_topic_name"]: e for e in entries}
    assert by_ros["camera/color/image_raw"]["gz_topic_name"] == f"{base}/image"
    assert by_ros["camera/depth/image_raw"]["gz_topic_name"] == f"{base}/depth_image"
    assert by_ros["camera/color/camera_info"]["gz_topic_name"] == f"{base}/camera_info"
    assert by_ros["/clock"]["gz_topic_name"] == "/clock"
    pairs = {"sensor_msgs/msg/Image": "gz.msgs.Image", "sensor_msgs/msg/CameraInfo": "gz.msgs.CameraInfo",
             "rosgraph_msgs/msg/Clock": "gz.msgs.Clock"}  # ros_gz_bridge's mapping table
    for entry in entries:
        assert pairs[entry["ros_type_name"]] == entry["gz_type_name"] and entry["direction"] == "GZ_TO_ROS"
        assert set(entry) == {"ros_topic_name", "gz_topic_name", "ros_type_name", "gz_type_name", "direction"}


def test_inertia_of_each_shape():
    assert inertia("box", (0.1, 0.2, 0.3), 1.2) == pytest.approx((0.013, 0.01, 0.005))
    assert inertia("sphere", (0.1, 0.1, 0.1), 1.0) == pytest.approx((0.001,) * 3)
    assert inertia("cylinder", (0.1, 0.1, 0.2), 1.0) == pytest.approx(((3 * 0.0025 + 0.04) / 12,) * 2 + (0.00125,))


@pytest.mark.slow  # runs the CLI in processes of its own
def test_export_cli_errors_name_the_scene_and_the_folder(tmp_path):
    bad = subprocess.run([sys.executable, "-m", "vlm_agent.cli", "export-gazebo", "no_such_scene", str(tmp_path)],
                         capture_output=True, text=True, cwd=REPO, timeout=120)
    assert bad.returncode == 1 and "no_such_scene" in bad.stderr and "built-in scenes: tabletop" in bad.stderr
    (tmp_path / "file").write_text("")
    blocked = subprocess.run([sys.executable, "-m", "vlm_agent.cli", "export-gazebo", "tabletop",
                              str(tmp_path / "file" / "out")], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert blocked.returncode == 1 and "cannot write to" in blocked.stderr and "file/out" in blocked.stderr
