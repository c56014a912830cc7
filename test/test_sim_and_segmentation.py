"""The simulator's RGB-D against its own ground truth, through Open3D segmentation."""
import numpy as np
import pytest

from vlm_agent.core.perception.attributes import color_name, shape_label
from vlm_agent.core.errors import InputError
from vlm_agent.core.perception.frame import RGBDFrame
from vlm_agent.core.sim.scene import COLORS, load_scene, parse_scene
from vlm_agent.core.sim.world import TabletopWorld
from vlm_agent.core.perception.tabletop_segmentation import segment_objects


def _truth_index(rendered, segment):
    labels = rendered.segmentation[segment.rows, segment.cols]
    return int(np.bincount(labels[labels >= 0]).argmax())


def test_depth_matches_camera_geometry(tabletop):
    scene, rendered, frame, truth = tabletop
    valid = np.isfinite(rendered.depth_m)
    assert valid.mean() > 0.7
    # the table top (z = 0) seen along the optical axis: depth = distance along the axis to the plane
    cam = scene.camera.base_from_camera()
    forward = cam[:3, 2]
    expected = -cam[2, 3] / forward[2]
    k = scene.camera.intrinsics
    assert rendered.depth_m[int(k.cy), int(k.cx)] == pytest.approx(expected, abs=0.01) or \
        rendered.segmentation[int(k.cy), int(k.cx)] >= 0


def test_every_object_is_found_within_a_centimetre(tabletop):
    scene, rendered, frame, truth = tabletop
    _, segments = segment_objects(frame)
    assert len(segments) == len(scene.objects)
    for segment in segments:
        spec = scene.objects[_truth_index(rendered, segment)]
        center = frame.to_base(segment.center)[0]
        assert np.linalg.norm(center - truth[spec.name].position) < 0.01, spec.name
        assert shape_label(segment) == spec.shape, spec.name
        assert color_name(rendered.rgb[segment.rows, segment.cols])[0] == spec.color.split()[-1], spec.name


def test_all_colours_and_shades_are_named(tabletop):
    scene = tabletop[0]
    names = list(COLORS)
    base = {"name": "c", "camera": {"position": list(scene.camera.position), "look_at": list(scene.camera.look_at)}}
    for start in range(0, len(names), 4):
        chunk = names[start:start + 4]
        base["objects"] = [{"name": f"o{i}", "shape": "cube", "color": c, "size": 0.05,
                            "position": [0.45 + 0.15 * (i // 2), -0.15 + 0.3 * (i % 2)]} for i, c in enumerate(chunk)]
        spec = parse_scene(base)
        world = TabletopWorld(spec)
        rendered = world.render()
        world.close()
        frame = RGBDFrame(rendered.rgb, rendered.depth_m, spec.camera.intrinsics, spec.camera.base_from_camera())
        for segment in segment_objects(frame)[1]:
            expected = spec.objects[_truth_index(rendered, segment)].color.split()
            color, shade = color_name(rendered.rgb[segment.rows, segment.cols])
            assert color == expected[-1]
            if len(expected) == 2:
                assert shade == expected[0]


def test_robust_to_missing_depth_and_outliers(tabletop):
    scene, rendered, frame, truth = tabletop
    rng = np.random.default_rng(1)
    depth = rendered.depth_m.copy()
    holes = rng.random(depth.shape) < 0.2
    depth[holes] = np.nan
    spikes = rng.random(depth.shape) < 0.002
    depth[spikes] = rng.uniform(0.1, 3.0, spikes.sum())
    noisy = RGBDFrame(rendered.rgb, depth, frame.intrinsics, frame.base_from_camera)
    _, segments = segment_objects(noisy)
    found = {scene.objects[_truth_index(rendered, s)].name: noisy.to_base(s.center)[0]
             for s in segments if len(s.rows) > 60}
    assert set(found) == {o.name for o in scene.objects}
    for name, center in found.items():
        assert np.linalg.norm(center - truth[name].position) < 0.015, name


def test_depth_with_too_few_readings_is_an_error(tabletop):
    scene, rendered, frame, _ = tabletop
    empty = np.full_like(rendered.depth_m, np.nan)
    with pytest.raises(InputError, match="valid readings"):
        RGBDFrame(rendered.rgb, empty, frame.intrinsics)


def test_unknown_scene_lists_builtins():
    with pytest.raises(InputError, match="tabletop"):
        load_scene("no_such_scene")


def test_plan_execution_lifts_and_places(tabletop):
    from vlm_agent.core.perception.objects import Plan, PlanStep
    world = TabletopWorld(tabletop[0])
    red = next(s for s in world.object_states() if s.name == "red_cube").position
    steps = (PlanStep("move_to", tuple(red + [0, 0, 0.1]), gripper="open"),
             PlanStep("pick", tuple(red), gripper="close"),
             PlanStep("move_to", tuple(red + [0, 0, 0.15])))
    log = world.execute(Plan("t", "base_link", steps))
    assert "grasped red_cube" in log
    assert next(s for s in world.object_states() if s.name == "red_cube").position[2] > 0.15
    world.execute(Plan("t2", "base_link", (PlanStep("place", (0.3, 0.3, 0.03), gripper="open"),)))
    placed = next(s for s in world.object_states() if s.name == "red_cube").position
    assert np.allclose(placed, [0.3, 0.3, 0.025], atol=0.01)
    world.close()
