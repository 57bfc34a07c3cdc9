import io
import json
import os
import zipfile

import numpy as np
from PIL import Image

from package import annotation_mask, open_package, rle_decode, split_for
from rubric import DAMAGE_TYPES, GRADES, grade_from_damage


def test_package_layout_and_counts(tiny_package):
    pkg = json.load(open(os.path.join(tiny_package, "package.json")))
    assert pkg["format"] == "returns-grader-dataset" and pkg["rubric_version"] == "v1"
    coco = json.load(open(os.path.join(tiny_package, "annotations", "coco.json")))
    assert [c["name"] for c in coco["categories"]] == DAMAGE_TYPES
    assert [c["id"] for c in coco["categories"]] == [1, 2, 3, 4, 5, 6]
    assert pkg["counts"]["images"] == len(coco["images"])
    assert pkg["counts"]["annotations"] == len(coco["annotations"])
    assert os.path.exists(os.path.join(tiny_package, "dataset_card.md"))
    rows = 0
    for s in ("train", "validation", "test"):
        for line in open(os.path.join(tiny_package, "images", s, "metadata.jsonl")):
            row = json.loads(line)
            rows += 1
            assert split_for(row["item_id"]) == s
            assert row["grade"] in GRADES and len(row["file_names"]) >= 2
            for fn in row["file_names"]:
                assert os.path.exists(os.path.join(tiny_package, "images", s, fn))
    assert rows == pkg["counts"]["items"] == 14


def test_images_are_large_jpegs_and_masks_bboxes_lie_inside(tiny_package):
    coco = json.load(open(os.path.join(tiny_package, "annotations", "coco.json")))
    by_id = {im["id"]: im for im in coco["images"]}
    for im in coco["images"]:
        with Image.open(os.path.join(tiny_package, "images", im["file_name"])) as f:
            assert f.format == "JPEG" and f.size == (im["width"], im["height"])
            assert 640 <= max(f.size) <= 1024
    assert coco["annotations"], "the tiny package should contain damage"
    for a in coco["annotations"]:
        im = by_id[a["image_id"]]
        x, y, w, h = a["bbox"]
        assert x >= 0 and y >= 0 and w > 0 and h > 0
        assert x + w <= im["width"] and y + h <= im["height"]
        m = rle_decode(a["segmentation"])
        assert m.shape == (im["height"], im["width"])   # mask inside the image by construction
        ys, xs = np.nonzero(m)
        assert m.sum() == a["area"] > 0
        assert [xs.min(), ys.min(), xs.max() - xs.min() + 1, ys.max() - ys.min() + 1] == [x, y, w, h]
        # the item's box (recorded for cropping to the item) holds all of its damage and lies inside the photo
        ix, iy, iw, ih = im["item_box"]
        assert 0 <= ix and 0 <= iy and ix + iw <= im["width"] and iy + ih <= im["height"]
        assert ix <= x and iy <= y and x + w <= ix + iw and y + h <= iy + ih


def test_grades_follow_rubric_from_annotations_and_views_agree(tiny_package):
    coco = json.load(open(os.path.join(tiny_package, "annotations", "coco.json")))
    types = {}
    for a in coco["annotations"]:
        types.setdefault(a["image_id"], []).append(DAMAGE_TYPES[a["category_id"] - 1])
    per_item = {}
    for im in coco["images"]:
        assert im["grade"] == grade_from_damage(types.get(im["id"], []))
        assert im["split"] == split_for(im["item_id"])
        per_item.setdefault(im["item_id"], set()).add((im["grade"], im["split"]))
    assert all(len(v) == 1 for v in per_item.values())   # all views of an item: same grade and split


def test_generator_is_deterministic(tmp_path):
    from synth import generate_item
    a = generate_item((5, 3, "d", (2, 2)))
    b = generate_item((5, 3, "d", (2, 2)))
    assert a[0] == b[0] and [v["jpeg"] for v in a[1]] == [v["jpeg"] for v in b[1]]


def test_zip_and_folder_read_the_same(tiny_package):
    folder = open_package(tiny_package)
    zipped = open_package(tiny_package + ".zip")
    assert folder.samples() == zipped.samples()
    s = folder.samples("train")[0]
    assert folder.read_image(s["file_name"]) == zipped.read_image(s["file_name"])


def test_zip_with_a_top_folder_is_accepted(tiny_package, tmp_path):
    z = str(tmp_path / "export.zip")
    with zipfile.ZipFile(tiny_package + ".zip") as src, zipfile.ZipFile(z, "w") as dst:
        for n in src.namelist():
            dst.writestr("export-2026-11-25/" + n, src.read(n))
    assert len(open_package(z).samples()) == len(open_package(tiny_package).samples())


def test_box_only_annotation_masks_fill_the_box():
    m = annotation_mask({"bbox": [2, 3, 4, 5], "segmentation": None}, 10, 12)
    assert m.sum() == 20 and m[3:8, 2:6].all()
