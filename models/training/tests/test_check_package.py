"""check_package.py: reads a package as training does and refuses one whose parts disagree."""
import json
import os
import shutil

import pytest

from check_package import check


def test_a_generated_package_checks_out_and_is_summarized(tiny_package):
    summary = check(tiny_package, 32, 4)
    splits = summary["splits"]
    with open(os.path.join(tiny_package, "package.json")) as f:
        counts = json.load(f)["counts"]
    assert sum(s["items"] for s in splits.values()) == counts["items"]
    assert sum(s["images"] for s in splits.values()) == counts["images"]
    assert sum(s["annotations"] for s in splits.values()) == counts["annotations"]
    for split in splits.values():
        if split["images"]:
            assert split["pixels_shape"][1:] == [32, 32, 3]


def test_a_metadata_row_that_disagrees_with_coco_is_refused(tiny_package, tmp_path):
    broken = str(tmp_path / "broken")
    shutil.copytree(tiny_package, broken)
    path = os.path.join(broken, "images", "train", "metadata.jsonl")
    with open(path) as f:
        rows = [json.loads(line) for line in f if line.strip()]
    rows[0]["file_names"] = rows[0]["file_names"][:-1] + ["not-there.jpg"]
    with open(path, "w") as f:
        f.write("".join(json.dumps(r) + "\n" for r in rows))
    with pytest.raises(ValueError, match="metadata row"):
        check(broken, 32, 4)


def test_an_export_without_the_formats_training_reads_is_refused_in_words(tiny_package, tmp_path):
    # the app lets a person export only, say, the SageMaker manifest and the CSV (package.json "formats", format 1.1)
    partial = str(tmp_path / "partial")
    shutil.copytree(tiny_package, partial)
    path = os.path.join(partial, "package.json")
    with open(path) as f:
        manifest = json.load(f)
    manifest.update(format_version="1.1", formats=["sagemaker", "csv"])
    with open(path, "w") as f:
        json.dump(manifest, f)
    with pytest.raises(ValueError, match="exported without the coco and huggingface format"):
        check(partial, 32, 4)


def test_a_grade_the_station_prefilled_and_nobody_changed_is_not_a_training_label(tmp_path):
    # An app export marks a grade the model prefilled and the associate saved as it was: the model's own answer, not a
    # person's. Training, evaluation and the familiarity fit read packages through samples(), which leaves those out;
    # the check still reads the whole package, and says how many photos training will not see.
    import io

    import numpy as np
    from PIL import Image

    from package import PackageWriter, open_package
    w = PackageWriter(str(tmp_path / "export"), source="export")
    rng = np.random.default_rng(1)
    for i in range(12):
        buf = io.BytesIO()
        Image.fromarray(rng.integers(0, 255, (60, 80, 3), dtype=np.uint8)).save(buf, "JPEG")
        w.add_item(f"ret-{i}", "LikeNew", [{"jpeg": buf.getvalue(), "width": 80, "height": 60, "annotations": [],
                                            "extra": {"grade_prefilled": i % 3 == 0}}])
    w.finish()
    pkg = open_package(str(tmp_path / "export"))

    assert len(pkg.samples(keep_prefilled=True)) == 12
    kept = pkg.samples()
    assert len(kept) == 8
    assert all(int(s["item_id"].split("-")[1]) % 3 != 0 for s in kept)
    summary = check(str(tmp_path / "export"), 32, 4)
    assert sum(s["images"] for s in summary["splits"].values()) == 12
    assert sum(s["images_prefilled_left_out"] for s in summary["splits"].values()) == 4
