"""Annotated outputs carry no picture of a person by default: boxes (or blur), never the pixels."""
import numpy as np
import pytest

from vlm_agent.core.perception.privacy import PeopleRedactor, redact_people

skdata = pytest.importorskip("skimage.data")


def test_box_mode_covers_every_pixel_of_the_box_and_keeps_the_rest():
    rgb = np.random.default_rng(0).integers(0, 255, (100, 100, 3), dtype=np.uint8)
    out = redact_people(rgb, [(20, 30, 60, 90)], "box")
    inner = out[50:85, 25:55]  # below the label
    assert (inner == inner[10, 10]).all()
    np.testing.assert_array_equal(out[:, 70:], rgb[:, 70:])


def test_blur_mode_destroys_detail_and_show_keeps_it():
    rgb = np.random.default_rng(1).integers(0, 255, (100, 100, 3), dtype=np.uint8)
    blurred = redact_people(rgb, [(0, 0, 100, 100)], "blur")
    assert np.abs(np.diff(blurred.astype(int), axis=1)).mean() < np.abs(np.diff(rgb.astype(int), axis=1)).mean() / 5
    np.testing.assert_array_equal(redact_people(rgb, [(0, 0, 100, 100)], "show"), rgb)


def test_unknown_mode_is_refused():
    with pytest.raises(ValueError, match="box, blur, show"):
        PeopleRedactor("pixelate")


def test_the_astronauts_face_is_not_in_the_redacted_image():
    photo = skdata.astronaut()
    out = PeopleRedactor("box")(photo)
    face = (slice(90, 170), slice(180, 260))   # eyes, nose and mouth
    assert np.abs(out[face].astype(int) - photo[face].astype(int)).mean() > 40
    untouched = PeopleRedactor("box")(skdata.coffee())
    np.testing.assert_array_equal(untouched, skdata.coffee())
