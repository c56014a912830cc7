"""People perception: SSD anchors and decoding (synthetic), the real MediaPipe models on real
photos (skimage.data), 3D from depth and tracking."""
import numpy as np
import pytest

from vlm_agent.core.errors import InputError
from vlm_agent.core.perception.camera import CameraIntrinsics
from vlm_agent.core.perception.frame import RGBDFrame
from vlm_agent.core.perception.people import PersonDetection, PersonObservation, locate, letterbox, tighten
from vlm_agent.core.perception.people_tracking import PeopleTracker
from vlm_agent.core.perception.person_models import (FACE_FULL_RANGE, FACE_SHORT_RANGE, POSE_DETECTOR, model_path)
from vlm_agent.core.perception.ssd_anchors import AnchorSpec, RawDetection, decode, generate_anchors, weighted_nms


def test_anchor_counts_match_the_models_outputs():
    assert len(generate_anchors(POSE_DETECTOR.anchors)) == 2254          # 28*28*2 + 14*14*2 + 7*7*6
    assert len(generate_anchors(FACE_SHORT_RANGE.anchors)) == 896        # 16*16*2 + 8*8*6
    assert len(generate_anchors(FACE_FULL_RANGE.anchors)) == 2304        # 48*48*1


def test_anchor_order_row_major_with_repeats_per_cell():
    anchors = generate_anchors(AnchorSpec(16, (8, 16, 16)))
    # stride 8: 2x2 cells, 2 anchors each; stride 16 (two layers): 1 cell, 4 anchors
    assert len(anchors) == 2 * 2 * 2 + 1 * 4
    np.testing.assert_allclose(anchors[0], anchors[1])
    np.testing.assert_allclose(anchors[:8:2], [[0.25, 0.25], [0.75, 0.25], [0.25, 0.75], [0.75, 0.75]])
    np.testing.assert_allclose(anchors[8:], [[0.5, 0.5]] * 4)


def test_decode_places_box_and_keypoints_relative_to_the_anchor():
    anchors = np.array([[0.25, 0.25], [0.75, 0.5]], np.float32)
    regressors = np.zeros((2, 6), np.float32)
    regressors[1] = [10, -20, 40, 20, 0, 50]   # pixels of a 100-pixel input: dx, dy, w, h, kp dx, kp dy
    logits = np.array([-5.0, 3.0])
    [found] = decode(regressors, logits, anchors, 100, 1, min_score=0.5)
    np.testing.assert_allclose(found.box, [0.65, 0.2, 1.05, 0.4], atol=1e-6)
    np.testing.assert_allclose(found.keypoints, [[0.75, 1.0]], atol=1e-6)
    assert found.score == pytest.approx(1 / (1 + np.exp(-3.0)))
    assert decode(regressors, logits, anchors, 100, 1, min_score=0.99) == []


def test_decode_rejects_too_few_values_per_anchor():
    with pytest.raises(ValueError, match="need 8"):
        decode(np.zeros((2, 6)), np.zeros(2), np.zeros((2, 2)), 100, 2, 0.5)


def test_weighted_nms_merges_overlaps_and_keeps_separate_boxes():
    kp = np.zeros((1, 2))
    merged = weighted_nms([RawDetection(0.9, (0.0, 0.0, 1.0, 1.0), kp), RawDetection(0.1, (0.1, 0.0, 1.1, 1.0), kp + 1),
                           RawDetection(0.8, (2.0, 2.0, 3.0, 3.0), kp)], 0.3)
    assert len(merged) == 2
    assert merged[0].score == 0.9 and merged[0].box[0] == pytest.approx(0.01)
    np.testing.assert_allclose(merged[0].keypoints, [[0.1, 0.1]])


def test_letterbox_keeps_aspect_and_centres():
    square, scale, pad_x, pad_y = letterbox(np.full((100, 200, 3), 255, np.uint8), 50)
    assert scale == 0.25 and pad_x == 0 and pad_y == 12
    assert square[0].max() == 0 and square[25].min() == 255


def test_missing_model_names_the_path_and_the_setup_command(tmp_path):
    with pytest.raises(InputError, match=rf"{tmp_path}/pose_detection.tflite not found.*scripts/setup.sh"):
        model_path("pose_detection.tflite", tmp_path)


def _frame(depth, base_from_camera=None):
    h, w = depth.shape
    return RGBDFrame(np.zeros((h, w, 3), np.uint8), depth, CameraIntrinsics(w, h, 100.0, 100.0, w / 2, h / 2),
                     base_from_camera)


def test_locate_uses_the_mask_and_ignores_background_depth():
    depth = np.full((100, 100), 5.0, np.float32)      # wall at 5 m
    depth[20:90, 40:60] = 2.0                          # person at 2 m
    depth[20:30, 40:45] = 1.9                          # their nearest part
    mask = np.zeros((100, 100), bool)
    mask[20:90, 40:60] = True
    base = np.eye(4)   # optical frame looking along base +x, 1 m up
    base[:3, :3] = [[0, 0, 1], [-1, 0, 0], [0, -1, 0]]
    base[:3, 3] = [0.0, 0.0, 1.0]
    found = locate(PersonDetection(0.9, (30, 10, 70, 95), (40, 20, 60, 30)), _frame(depth, base), mask)
    assert found.centroid_camera[2] == pytest.approx(2.0)
    assert found.centroid_base[0] == pytest.approx(2.0)
    assert found.closest_camera[2] == pytest.approx(1.9)
    assert found.closest_base[0] == pytest.approx(1.9)


def test_locate_without_depth_has_no_position():
    frame = RGBDFrame(np.zeros((20, 20, 3), np.uint8), None, None)
    assert locate(PersonDetection(0.9, (0, 0, 10, 10), (0, 0, 5, 5)), frame, None).centroid_camera is None


def test_tighten_shrinks_box_to_mask():
    mask = np.zeros((100, 100), bool)
    mask[20:80, 30:50] = True
    assert tighten(PersonDetection(0.9, (0, 0, 100, 100), (0, 0, 1, 1)), mask).bbox_xyxy == (30, 20, 50, 80)


def _observation(x, box=(0, 0, 10, 10)):
    detection = PersonDetection(0.9, box, box)
    return PersonObservation(detection, centroid_base=None if x is None else (x, 0.0, 0.0))


def test_tracker_keeps_ids_and_gives_new_people_new_ids():
    tracker = PeopleTracker(max_missed=1)
    first = tracker.update([_observation(1.0), _observation(3.0)])
    second = tracker.update([_observation(3.1), _observation(1.05)])
    assert {t.observation.centroid_base[0]: t.id for t in second} == {3.1: first[1].id, 1.05: first[0].id}
    third = tracker.update([_observation(5.0)])
    assert third[0].id not in {t.id for t in first}
    tracker.update([])
    tracker.update([])
    assert tracker.update([_observation(1.0)])[0].id not in {t.id for t in first}  # forgotten after max_missed


def test_tracker_matches_by_box_without_depth():
    tracker = PeopleTracker()
    first = tracker.update([_observation(None, (0, 0, 10, 10))])
    assert tracker.update([_observation(None, (1, 0, 11, 10))])[0].id == first[0].id
    assert tracker.update([_observation(None, (50, 50, 60, 60))])[0].id != first[0].id


# --- the real models on real photos ---------------------------------------------------------
def _photo(name):
    data = pytest.importorskip("skimage.data")
    image = getattr(data, name)()
    return np.ascontiguousarray(np.stack([image] * 3, -1) if image.ndim == 2 else image[..., :3])


@pytest.fixture(scope="module")
def detector():
    from vlm_agent.core.perception.people import PersonDetector
    return PersonDetector()


@pytest.mark.parametrize("name", ["astronaut", "camera"])
def test_people_in_real_photos_are_detected(detector, name):
    image = _photo(name)
    [person] = detector.detect(image)
    x0, y0, x1, y1 = person.bbox_xyxy
    fx0, fy0, fx1, fy1 = person.face_xyxy
    assert person.score >= 0.5 and x1 - x0 > image.shape[1] / 2 and y1 - y0 > image.shape[0] / 2
    assert x0 <= fx0 < fx1 <= x1 and y0 <= fy0 < fy1 <= y1
    mask = detector.person_mask(image)
    assert 0.2 < (mask > 0.5).mean() < 0.8


@pytest.mark.parametrize("name", ["coffee", "chelsea", "rocket"])
def test_photos_without_people_have_no_detection(detector, name):
    assert detector.detect(_photo(name)) == []


def test_face_detector_decoding_finds_the_astronauts_eyes():
    """The face model's keypoints 0 and 1 are the eyes: checks anchors + decoding on a second model."""
    from vlm_agent.core.perception.people import PersonDetector
    face = PersonDetector(spec=FACE_SHORT_RANGE, use_mask=False)
    [found] = face.detect(_photo("astronaut"))
    x0, y0, x1, y1 = found.face_xyxy
    assert 160 < x0 < 200 and 60 < y0 < 100 and 250 < x1 < 290 and 160 < y1 < 200


def test_bad_image_is_a_clear_error(detector):
    with pytest.raises(InputError, match="HxWx3 uint8"):
        detector.detect(np.zeros((10, 10), np.float32))
