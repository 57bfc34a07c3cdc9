import json
import os

import numpy as np
import pytest

from package import rle_decode, rle_encode, split_for
from regions import components, iou, match, regions_from_probs
import rubric
from rubric import GRADES, grade_from_damage, grade_index_from_points


@pytest.mark.parametrize("points,grade", [(0, "LikeNew"), (1, "VeryGood"), (2, "Good"), (3, "Good"),
                                          (4, "Acceptable"), (5, "Acceptable"), (6, "Unsellable"), (14, "Unsellable")])
def test_grade_from_points_follows_rubric_v1(points, grade):
    assert GRADES[grade_index_from_points(points)] == grade


def test_grade_from_damage_sums_severity_points():
    assert grade_from_damage([]) == "LikeNew"
    assert grade_from_damage(["scratch"]) == "VeryGood"
    assert grade_from_damage(["scratch", "stain"]) == "Good"
    assert grade_from_damage(["dent", "scratch"]) == "Good"
    assert grade_from_damage(["tear"]) == "Acceptable"
    assert grade_from_damage(["crack", "scratch"]) == "Acceptable"
    assert grade_from_damage(["missing_part"]) == "Unsellable"
    assert grade_from_damage(["tear", "dent"]) == "Unsellable"


def test_rle_roundtrip_is_exact_and_column_major():
    rng = np.random.default_rng(0)
    m = rng.random((37, 53)) > 0.7
    assert (rle_decode(rle_encode(m)) == m).all()
    # column-major: first column [1,0] then [1,1] -> runs 0 zeros, 1 one, 1 zero, 2 ones
    assert rle_encode(np.array([[1, 1], [0, 1]], bool))["counts"] == [0, 1, 1, 2]


def test_split_is_deterministic_and_roughly_80_10_10():
    splits = [split_for(f"item-{i}") for i in range(5000)]
    assert splits == [split_for(f"item-{i}") for i in range(5000)]
    frac = {s: splits.count(s) / len(splits) for s in ("train", "validation", "test")}
    assert abs(frac["train"] - 0.8) < 0.03 and abs(frac["validation"] - 0.1) < 0.02


def test_components_are_8_connected():
    b = np.zeros((5, 5), bool)
    b[0, 0] = b[1, 1] = True   # diagonal neighbours: one component
    b[4, 4] = True
    comps = components(b)
    assert sorted(len(c) for c in comps) == [1, 2]


def test_regions_boxes_scale_cells_to_photo_pixels():
    g = 4
    probs = np.zeros((g * g, 6))
    probs[1 * g + 2, 0] = 0.9    # row 1, col 2 scratch
    probs[1 * g + 3, 0] = 0.6    # row 1, col 3 scratch (same component)
    probs[3 * g + 0, 5] = 0.4    # below missing_part threshold
    regs = regions_from_probs(probs, g, g, width=400, height=200, thresholds=[0.5] * 6, min_cells=[1] * 6)
    assert len(regs) == 1
    r = regs[0]
    assert r["type"] == "scratch" and r["score"] == pytest.approx(0.9)
    assert r["box"] == [200.0, 50.0, 200.0, 50.0]


def test_matching_is_one_to_one_and_type_aware():
    gt = [(0, [0, 0, 10, 10]), (1, [0, 0, 10, 10])]
    pred = [{"type_index": 0, "box": [0, 0, 10, 12]}]
    gm, pm = match(gt, pred, 0.3)
    assert gm == [True, False] and pm == [True]
    assert iou([0, 0, 10, 10], [5, 0, 10, 10]) == pytest.approx(50 / 150)


def test_rubric_matches_the_apps_rubric_file():
    """The app's rubric-v1.json is the business's standard; training's rubric.py must be the same rules (issue 16)."""
    path = os.path.join(os.path.dirname(__file__), "..", "..", "..", "src", "Returns.Grader.Web", "Features", "Grading",
                        "Rubrics", f"rubric-{rubric.RUBRIC_VERSION}.json")
    with open(path, encoding="utf-8") as f:
        app = json.load(f)
    assert app["version"] == rubric.RUBRIC_VERSION
    assert app["damagePoints"] == rubric.SEVERITY_POINTS
    assert list(app["damagePoints"]) == rubric.DAMAGE_TYPES
    bands = sorted(app["gradeBands"], key=lambda b: b["minPoints"])
    assert [b["grade"] for b in bands] == rubric.GRADES
    for points in range(0, 12):
        expected = [b["grade"] for b in bands if b["minPoints"] <= points][-1]
        assert rubric.GRADES[rubric.grade_index_from_points(points)] == expected, points
