import numpy as np
import pytest

from vlm_agent.core.errors import InputError
from vlm_agent.core.perception.image_codec import decode_image, encode_image, to_depth_m, to_rgb


def test_rgb_round_trip_with_row_padding():
    image = np.random.default_rng(0).integers(0, 255, (5, 7, 3), dtype=np.uint8)
    data, step = encode_image(image, "rgb8")
    padded = b"".join(data[r * step:(r + 1) * step] + b"\0" * 3 for r in range(5))
    decoded = decode_image(padded, 7, 5, "rgb8", step + 3)
    assert np.array_equal(decoded, image)


def test_bgr_and_mono_become_rgb():
    bgr = np.zeros((2, 2, 3), np.uint8)
    bgr[..., 0] = 200
    assert to_rgb(bgr, "bgr8")[0, 0].tolist() == [0, 0, 200]
    assert to_rgb(np.full((2, 2), 9, np.uint8), "mono8").shape == (2, 2, 3)


def test_depth_encodings_to_metres_with_missing_readings():
    mm = np.array([[0, 1500]], np.uint16)
    data, step = encode_image(mm, "16UC1")
    depth = to_depth_m(decode_image(data, 2, 1, "16UC1", step), "16UC1")
    assert np.isnan(depth[0, 0]) and depth[0, 1] == pytest.approx(1.5)
    metres = np.array([[0.0, np.nan, 2.0]], np.float32)
    data, step = encode_image(metres, "32FC1")
    depth = to_depth_m(decode_image(data, 3, 1, "32FC1", step), "32FC1")
    assert np.isnan(depth[0, :2]).all() and depth[0, 2] == 2.0


def test_big_endian_depth():
    values = np.array([[1000, 2000]], dtype=">u2")
    depth = decode_image(values.tobytes(), 2, 1, "16UC1", 4, is_bigendian=True)
    assert depth.tolist() == [[1000, 2000]]


@pytest.mark.parametrize("args, message", [
    ((b"\0" * 12, 2, 2, "yuv422", 4), "unsupported image encoding"),
    ((b"\0" * 10, 2, 2, "rgb8", 6), r"expected step\*height"),
    ((b"\0" * 8, 2, 2, "rgb8", 4), "smaller than one row"),
    ((b"", 0, 0, "rgb8", 0), "empty image"),
    ((b"", 10000, 1, "rgb8", 30000), "too large"),
])
def test_malformed_images_are_rejected_with_a_reason(args, message):
    with pytest.raises(InputError, match=message):
        decode_image(*args)
