"""siteloop.py's pure parts: boxes from package pixels to the stored photo's, the grade body, multipart (no app needed)."""
import pytest

from siteloop import damage_entries, grade_body, multipart, scale_box


def test_same_size_keeps_the_box():
    assert scale_box([141, 334, 42, 29], (480, 640), (480, 640)) == [141, 334, 42, 29]


def test_downscaled_photo_scales_corners():
    # a 4032x3024 photo kept at 2016x1512 (StoredMaxLongSide): every corner halves
    assert scale_box([100, 50, 400, 200], (4032, 3024), (2016, 1512)) == [50, 25, 200, 100]
    assert scale_box([101, 51, 401, 201], (4032, 3024), (2016, 1512)) == [51, 26, 200, 100]  # halves round up


def test_box_is_clamped_inside_and_at_least_one_pixel():
    assert scale_box([630, 470, 40, 40], (640, 480), (320, 240)) == [315, 235, 5, 5]
    x, y, w, h = scale_box([639, 479, 1, 1], (640, 480), (64, 48))
    assert w >= 1 and h >= 1 and x + w <= 64 and y + h <= 48


def test_turned_photo_is_refused():
    with pytest.raises(ValueError):
        scale_box([10, 10, 5, 5], (640, 480), (480, 640))


def test_damage_entries_and_rubric_reason():
    photos = [{"width": 640, "height": 480, "annotations": [{"type": 2, "bbox": [10, 20, 30, 40]}]},
              {"width": 640, "height": 480, "annotations": [{"type": 2, "bbox": [12, 22, 30, 40]}]}]
    stored = [{"photoId": "a", "width": 320, "height": 240}, {"photoId": "b", "width": 320, "height": 240}]
    damage = damage_entries(photos, stored)
    assert damage == [{"photoId": "a", "type": "dent", "source": "added", "box": [5, 10, 15, 20]},
                      {"photoId": "b", "type": "dent", "source": "added", "box": [6, 11, 15, 20]}]
    # one dent seen twice scores 4 points (Acceptable): the item's Good needs a contradiction reason
    assert "contradictionReason" in grade_body("Good", damage, "n")
    assert "contradictionReason" not in grade_body("Good", damage[:1], "n")
    assert grade_body("LikeNew", [], "n", flag=True)["flagForReview"] is True


def test_multipart_has_each_part():
    body, ctype = multipart([("file", "a.jpg", "image/jpeg", b"\xff\xd8x"), ("manifest", "model.json", "application/json", b"{}")])
    boundary = ctype.split("boundary=")[1]
    assert body.count(f"--{boundary}".encode()) == 3 and body.endswith(f"--{boundary}--\r\n".encode())
    assert b'name="manifest"; filename="model.json"' in body and b"\xff\xd8x\r\n" in body
