"""A box the model drew and nobody touched (an export's COCO ``source: "model"``, ADR 0051) is the previous model's own
answer, but at the station most boxes are the model's and mostly right: the kit keeps it as a damage target like a
person's by default, and leaves it out only when asked (Package.samples keep_model_boxes=False, train.py/retrain.py
--model-boxes drop), in the training and the validation photos alike, which makes its cells undamaged targets (there
is no ignore mask). A box without a source (packages from before ADR 0051) is a person's either way; the kit says how
many there were and how many it left out. The grade labels are not touched."""
import io
import json
import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

import retrain
from check_package import check
from dataset import load_split, load_splits
from package import PackageWriter, open_package
from rubric import DAMAGE_TYPES, GRADES
from train import HERE, describe_model_boxes, model_boxes_record
from train_config import parse

# a 160 x 120 photo on a 4 x 4 damage grid: each box below fills exactly one 40 x 30 cell
W, H, GRID = 160, 120, 4
MODEL = {"type": "scratch", "bbox": [0, 0, 40, 30], "source": "model"}         # cell 0
ACCEPTED = {"type": "stain", "bbox": [120, 0, 40, 30], "source": "accepted"}   # cell 3
ADDED = {"type": "dent", "bbox": [0, 90, 40, 30], "source": "added"}           # cell 12
UNKNOWN = {"type": "tear", "bbox": [120, 90, 40, 30]}                         # cell 15: no source (before ADR 0051)
ONLY_MODEL = {"type": "crack", "bbox": [40, 30, 40, 30], "source": "model"}    # cell 5


def photo(seed: int, boxes: list) -> dict:
    buf = io.BytesIO()
    Image.fromarray(np.random.default_rng(seed).integers(0, 255, (H, W, 3), dtype=np.uint8)).save(buf, "JPEG")
    return {"jpeg": buf.getvalue(), "width": W, "height": H, "annotations": [dict(b) for b in boxes]}


def export(folder, with_sources: bool = True) -> str:
    """An app export in miniature. Train: one photo with a box of each source, one whose only box is the model's, one
    whose grade was prefilled (left out whole, its model box with it); validation: a model box beside a drawn one;
    test: a drawn box. with_sources=False: the same boxes as a package from before ADR 0051 writes them."""
    def boxes(*bs):
        return [b if with_sources else {k: v for k, v in b.items() if k != "source"} for b in bs]
    w = PackageWriter(str(folder), source="export")
    # item ids whose split (the sha256 rule) is the one named, so that check_package.py accepts the package
    w.add_item("ret-0", "Acceptable", [photo(0, boxes(MODEL, ACCEPTED, ADDED, UNKNOWN))])   # train
    w.add_item("ret-2", "VeryGood", [photo(1, boxes(ONLY_MODEL))])                           # train
    w.add_item("ret-4", "VeryGood", [{**photo(2, boxes(ONLY_MODEL)), "extra": {"grade_prefilled": True}}])  # train
    w.add_item("ret-1", "Good", [photo(3, boxes(MODEL, ADDED))])                             # validation
    w.add_item("ret-3", "Good", [photo(4, boxes(ADDED))])                                    # test
    w.finish()
    return str(folder)


def cells(target: np.ndarray) -> set:
    """The (cell, damage type) pairs a [G*G, 6] target sets."""
    return {(int(c), DAMAGE_TYPES[int(t)]) for c, t in zip(*np.nonzero(target))}


def boxes_of(sample: dict) -> list:
    return [(DAMAGE_TYPES[a["type"]], list(a["bbox"]), a["source"]) for a in sample["annotations"]]


def test_by_default_the_models_boxes_are_targets_like_the_others(tmp_path):
    pkg = open_package(export(tmp_path / "export"))
    first, only_model = pkg.samples("train")
    assert boxes_of(first) == [("scratch", [0, 0, 40, 30], "model"), ("stain", [120, 0, 40, 30], "accepted"),
                               ("dent", [0, 90, 40, 30], "added"), ("tear", [120, 90, 40, 30], None)]
    assert boxes_of(only_model) == [("crack", [40, 30, 40, 30], "model")]
    assert [boxes_of(s) for s in pkg.samples("validation")] == [[("scratch", [0, 0, 40, 30], "model"),
                                                                  ("dent", [0, 90, 40, 30], "added")]]

    d = load_split(pkg.path, "train", 32, GRID, verbose=False)
    assert cells(d["damage"][0]) == {(0, "scratch"), (3, "stain"), (12, "dent"), (15, "tear")}
    assert cells(d["damage"][1]) == {(5, "crack")}
    assert [len(m["boxes"]) for m in d["meta"]] == [4, 1]
    v = load_split(pkg.path, "validation", 32, GRID, verbose=False)
    assert cells(v["damage"][0]) == {(0, "scratch"), (12, "dent")}
    # the prefilled photo stays out either way, so its model box is neither read nor counted
    assert len(pkg.samples("train")) == len(pkg.samples("train", keep_model_boxes=False)) == 2
    assert (pkg.model_boxes("train"), pkg.model_boxes("validation"), pkg.model_boxes("test")) == (2, 1, 0)
    assert pkg.model_boxes("train", keep_prefilled=True) == 3


def test_dropped_on_request_the_models_boxes_are_left_out_their_cells_undamaged_and_a_box_without_a_source_kept(tmp_path):
    pkg = open_package(export(tmp_path / "export"))
    first, only_model = pkg.samples("train", keep_model_boxes=False)
    assert boxes_of(first) == [("stain", [120, 0, 40, 30], "accepted"), ("dent", [0, 90, 40, 30], "added"),
                               ("tear", [120, 90, 40, 30], None)]
    assert boxes_of(only_model) == []
    # the photo whose only box was the model's is still read, with its (chosen) grade: the grade labels are unaffected
    assert [s["item_id"] for s in (first, only_model)] == ["ret-0", "ret-2"]
    assert [GRADES[s["grade_index"]] for s in (first, only_model)] == ["Acceptable", "VeryGood"]
    assert [boxes_of(s) for s in pkg.samples("validation", keep_model_boxes=False)] == [
        [("dent", [0, 90, 40, 30], "added")]]

    d = load_split(pkg.path, "train", 32, GRID, verbose=False, keep_model_boxes=False)
    # not ignored: the model's cells are undamaged (0) targets, like any cell without a box
    assert cells(d["damage"][0]) == {(3, "stain"), (12, "dent"), (15, "tear")}   # not (0, "scratch")
    assert cells(d["damage"][1]) == set()                                         # not (5, "crack")
    assert [len(m["boxes"]) for m in d["meta"]] == [3, 0]
    assert list(d["grade"]) == [GRADES.index("Acceptable"), GRADES.index("VeryGood")]
    v = load_splits([pkg.path], "validation", 32, GRID, keep_model_boxes=False)
    assert cells(v["damage"][0]) == {(12, "dent")} and [len(m["boxes"]) for m in v["meta"]] == [1]


def test_check_package_reads_every_box_as_written_and_counts_the_models(tmp_path):
    summary = check(export(tmp_path / "export"), 32, GRID)["splits"]
    assert [summary[s]["annotations"] for s in ("train", "validation", "test")] == [6, 2, 1]   # the prefilled photo too
    assert [summary[s]["model_boxes"] for s in ("train", "validation", "test")] == [2, 1, 0]
    assert all("model_boxes_left_out" not in summary[s] for s in summary)   # nothing is left out by default
    # what training reads by default: the model's boxes are damage cells (the prefilled photo is out)
    assert [summary[s]["damage_cells"] for s in ("train", "validation", "test")] == [5, 2, 1]
    assert summary["train"]["images_prefilled_left_out"] == 1


def test_a_package_from_before_the_sources_reads_the_same_either_way_and_keeps_its_cache_name(tmp_path):
    pkg = open_package(export(tmp_path / "old", with_sources=False))
    assert not pkg.has_model_boxes and pkg.model_boxes() == 0
    assert pkg.samples() == pkg.samples(keep_model_boxes=False)
    assert [len(s["annotations"]) for s in pkg.samples("train", keep_model_boxes=False)] == [4, 1]   # every box a person's
    cache = tmp_path / "cache"
    d = load_split(pkg.path, "train", 32, GRID, cache_dir=str(cache), verbose=False, keep_model_boxes=False)
    assert cells(d["damage"][0]) == {(0, "scratch"), (3, "stain"), (12, "dent"), (15, "tear")}
    # the name it had before the option: generated packages' caches (hours of decoding) stay valid
    assert [f.name for f in cache.iterdir()] == [f"{pkg.fingerprint()}_train_32_{GRID}_all_chosen.npz"]


def test_the_cache_keeps_the_two_readings_apart(tmp_path):
    path, cache = export(tmp_path / "export"), str(tmp_path / "cache")
    for _ in range(2):   # written, then read back from the cache
        dropped = load_split(path, "train", 32, GRID, cache_dir=cache, verbose=False, keep_model_boxes=False)
        kept = load_split(path, "train", 32, GRID, cache_dir=cache, verbose=False)
        assert cells(dropped["damage"][0]) == {(3, "stain"), (12, "dent"), (15, "tear")}
        assert cells(kept["damage"][0]) == {(0, "scratch"), (3, "stain"), (12, "dent"), (15, "tear")}
    assert sorted(f.name.rsplit("_", 1)[1] for f in os.scandir(cache)) == ["modelboxes-dropped.npz",
                                                                           "modelboxes-kept.npz"]


def test_the_flag_defaults_to_keep_and_the_record_counts_what_was_left_out(tmp_path):
    path = export(tmp_path / "export")
    assert parse(["--data", path, "--out", "o"]).model_boxes == "keep"
    with pytest.raises(SystemExit):
        parse(["--data", path, "--out", "o", "--model-boxes", "weigh"])
    kept = model_boxes_record(parse(["--data", path, "--out", "o"]))
    assert kept == {"setting": "keep", "train": 2, "train_left_out": 0, "validation": 1, "validation_left_out": 0}
    dropped = model_boxes_record(parse(["--data", path, "--out", "o", "--model-boxes", "drop"]))
    assert dropped == {"setting": "drop", "train": 2, "train_left_out": 2, "validation": 1, "validation_left_out": 1}
    assert describe_model_boxes(kept) == ("2 in the training photos, 1 in the validation photos; kept as damage "
                                          "targets like people's boxes (`--model-boxes keep`)")
    assert describe_model_boxes(dropped) == ("2 in the training photos, 1 in the validation photos; all left out of the "
                                             "damage targets (`--model-boxes drop`): their cells are undamaged targets "
                                             "unless a person's box covers them")
    old = export(tmp_path / "old", with_sources=False)
    assert describe_model_boxes(model_boxes_record(parse(["--data", old, "--out", "o"]))) == ""


TINY = ["--image-size", "64", "--dim", "32", "--depth", "1", "--heads", "2", "--damage-subdiv", "1", "--batch", "2",
        "--warmup", "1", "--epochs", "1", "--threads", "1"]


def cache_names(cache) -> list:
    return sorted(f.name.split("_")[1] + "_" + f.name.rsplit("_", 1)[1] for f in cache.iterdir())


def test_train_py_keeps_them_says_how_many_and_drops_them_from_training_and_validation_when_told(tmp_path):
    path, cache = export(tmp_path / "export"), tmp_path / "cache"
    res = subprocess.run([sys.executable, "train.py", "--data", path, "--out", str(tmp_path / "run"),
                          "--cache", str(cache), *TINY], cwd=HERE, capture_output=True, text=True)
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]
    assert ("model boxes (nobody checked them, ADR 0051): 2 in the training photos, 1 in the validation photos; kept "
            "as damage targets like people's boxes (`--model-boxes keep`)") in res.stdout
    summary = json.load(open(tmp_path / "run" / "train_summary.json"))["training"]
    assert summary["model_boxes"] == {"setting": "keep", "train": 2, "train_left_out": 0, "validation": 1,
                                      "validation_left_out": 0}
    assert summary["settings"]["model_boxes"] == "keep"
    # validation (the thresholds) is read under the same rule as training
    assert cache_names(cache) == ["train_modelboxes-kept.npz", "validation_modelboxes-kept.npz"]

    res = subprocess.run([sys.executable, "train.py", "--data", path, "--out", str(tmp_path / "run2"),
                          "--cache", str(cache), "--model-boxes", "drop", "--prepare-only", *TINY],
                         cwd=HERE, capture_output=True, text=True)
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]
    assert cache_names(cache) == ["train_modelboxes-dropped.npz", "train_modelboxes-kept.npz",
                                  "validation_modelboxes-dropped.npz", "validation_modelboxes-kept.npz"]

    # refitting the thresholds alone follows the setting too
    cache2 = tmp_path / "cache2"
    res = subprocess.run([sys.executable, "train.py", "--data", path, "--out", str(tmp_path / "run3"),
                          "--cache", str(cache2), "--calibrate-only", "--init", str(tmp_path / "run" / "final.pt"),
                          "--model-boxes", "drop", "--threads", "1"], cwd=HERE, capture_output=True, text=True)
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]
    assert cache_names(cache2) == ["validation_modelboxes-dropped.npz"]


def test_retrain_py_passes_its_choice_to_train_py_and_the_card_says_how_many(tmp_path, monkeypatch):
    path = export(tmp_path / "export")
    steps = []

    def first_step_only(step, log):
        steps.append(step)
        raise SystemExit("stopped after the first step")
    monkeypatch.setattr(retrain, "run", first_step_only)
    for given, passed in (([], "keep"), (["--model-boxes", "drop"], "drop")):
        monkeypatch.setattr(sys, "argv", ["retrain.py", "--data", path, "--out", str(tmp_path / "m"), "--version", "9.9.9",
                                          "--work", str(tmp_path / "w"), *given])
        with pytest.raises(SystemExit):
            retrain.main()
        train = steps[-1]
        assert train[0] == "train.py" and train[train.index("--model-boxes") + 1] == passed

    metrics = {"split": "test", "images": 1, "items": 1,
               "grade": {"accuracy": 1.0, "quadratic_weighted_kappa": 1.0, "ece": 0.0},
               "regions": {"recall": 1.0, "precision": 1.0}}

    def card(boxes):
        return retrain.card({"name": "grader-vit-v1", "version": "9.9.9"}, metrics, open_package(path).manifest, path,
                            None, 1.0, "fine-tune", [], boxes)
    kept = card({"setting": "keep", "train": 2, "train_left_out": 0, "validation": 1, "validation_left_out": 0})
    assert ("2 in the training photos, 1 in the validation photos; kept as damage targets like people's boxes "
            "(`--model-boxes keep`)") in kept
    assert "left out" not in kept
    dropped = card({"setting": "drop", "train": 2, "train_left_out": 2, "validation": 1, "validation_left_out": 1})
    assert ("2 in the training photos, 1 in the validation photos; all left out of the damage targets "
            "(`--model-boxes drop`): their cells are undamaged targets") in dropped
    assert "source `model`" not in card({"setting": "keep", "train": 0, "train_left_out": 0, "validation": 0,
                                         "validation_left_out": 0})
