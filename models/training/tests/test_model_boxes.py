"""A box the model drew and nobody touched (an export's COCO ``source: "model"``, ADR 0051) is the previous model's own
answer, checked by nobody. By default the kit IGNORES it (ADR 0053): its cells are neither damaged nor undamaged
targets (dataset.IGNORED, left out of the damage loss), its type's count is unknown to the count loss, and region
validation neither expects it found nor counts a detection on it as false. On request it is kept like a person's box
(--model-boxes keep) or left out (drop: its cells become undamaged targets), in the training and the validation photos
alike. A box without a source (packages from before ADR 0051) is a person's under every setting; the kit says how many
there were and what it did with them. The grade labels are not touched."""
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
import torch

from dataset import (IGNORED, augment, damage_target, load_crop_split, load_split, load_splits, lower_resolution_view,
                     sample_meta)
from package import PackageWriter, open_package
from regions import region_metrics
from rubric import DAMAGE_TYPES, GRADES
from train import HERE, count_targets, describe_model_boxes, losses, model_boxes_record
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


def cells(target: np.ndarray, value: int = 1) -> set:
    """The (cell, damage type) pairs a [G*G, 6] target sets to value (1: damaged; IGNORED: nobody checked)."""
    return {(int(c), DAMAGE_TYPES[int(t)]) for c, t in zip(*np.nonzero(np.asarray(target) == value))}


def boxes_of(sample: dict) -> list:
    return [(DAMAGE_TYPES[a["type"]], list(a["bbox"]), a["source"]) for a in sample["annotations"]]


def test_by_default_the_models_boxes_are_read_and_their_cells_ignored_neither_damaged_nor_undamaged(tmp_path):
    pkg = open_package(export(tmp_path / "export"))
    first, only_model = pkg.samples("train")
    assert boxes_of(first) == [("scratch", [0, 0, 40, 30], "model"), ("stain", [120, 0, 40, 30], "accepted"),
                               ("dent", [0, 90, 40, 30], "added"), ("tear", [120, 90, 40, 30], None)]
    assert boxes_of(only_model) == [("crack", [40, 30, 40, 30], "model")]

    d = load_split(pkg.path, "train", 32, GRID, verbose=False)
    assert cells(d["damage"][0]) == {(3, "stain"), (12, "dent"), (15, "tear")}
    assert cells(d["damage"][0], IGNORED) == {(0, "scratch")}
    assert cells(d["damage"][1]) == set() and cells(d["damage"][1], IGNORED) == {(5, "crack")}
    assert set(np.unique(d["damage"])) == {0, 1, IGNORED}
    # the ground truth for region figures: a person's boxes; the model's are ignored_boxes
    assert [[DAMAGE_TYPES[b[0]] for b in m["boxes"]] for m in d["meta"]] == [["stain", "dent", "tear"], []]
    assert [[DAMAGE_TYPES[b[0]] for b in m["ignored_boxes"]] for m in d["meta"]] == [["scratch"], ["crack"]]
    v = load_split(pkg.path, "validation", 32, GRID, verbose=False)
    assert cells(v["damage"][0]) == {(12, "dent")} and cells(v["damage"][0], IGNORED) == {(0, "scratch")}
    # the prefilled photo stays out either way, so its model box is neither read nor counted
    assert len(pkg.samples("train")) == len(pkg.samples("train", keep_model_boxes=False)) == 2
    assert (pkg.model_boxes("train"), pkg.model_boxes("validation"), pkg.model_boxes("test")) == (2, 1, 0)
    assert pkg.model_boxes("train", keep_prefilled=True) == 3


def test_an_unchecked_box_ignores_every_cell_it_touches_unless_a_persons_box_makes_it_damaged():
    # a model scratch over two thirds of cells 0 and 1 and one pixel column of cell 2 (1.7 % of it: under COVER_MIN,
    # so no damage cell when kept); a person's scratch on cell 1
    model = {"type": 0, "bbox": [0, 0, 81, 20], "source": "model"}
    person = {"type": 0, "bbox": [40, 0, 40, 30], "source": "added"}
    t = damage_target([model, person], H, W, GRID, ignore_model_boxes=True)
    assert cells(t) == {(1, "scratch")}                                 # the person's box wins on its cell
    assert cells(t, IGNORED) == {(0, "scratch"), (2, "scratch")}       # any cover at all, for its own type only
    kept = damage_target([model, person], H, W, GRID)
    assert cells(kept) == {(0, "scratch"), (1, "scratch")} and cells(kept, IGNORED) == set()
    meta = sample_meta({"file_name": "f", "item_id": "i", "width": W, "height": H,
                        "annotations": [{**model, "area": 1.0}, {**person, "area": 1.0}]}, ignore_model_boxes=True)
    assert [b[1] for b in meta["boxes"]] == [[40, 0, 40, 30]] and [b[1] for b in meta["ignored_boxes"]] == [[0, 0, 81, 20]]


def test_the_damage_loss_learns_nothing_on_an_ignored_cell_and_the_rest_as_before():
    class Fixed(torch.nn.Module):
        """A 'network' whose outputs are parameters, so the loss's gradient per cell can be read."""
        def __init__(self, cells_: int):
            super().__init__()
            self.g = torch.nn.Parameter(torch.zeros(1, len(GRADES)))
            self.d = torch.nn.Parameter(torch.randn(1, cells_, len(DAMAGE_TYPES)))

        def forward_crop(self, x, return_counts=True, token_grid=None):
            return self.g, self.d, None
    net = Fixed(GRID * GRID)
    target = torch.zeros(1, GRID * GRID, len(DAMAGE_TYPES), dtype=torch.uint8)
    target[0, 3, 1] = 1
    target[0, 0, 0] = IGNORED
    target[0, 5, 4] = IGNORED
    loss, _, ld = losses(net, None, torch.zeros(1, dtype=torch.long), target, pos_weight=20.0, damage_weight=1.0)
    loss.backward()
    grad = net.d.grad[0]
    assert grad[0, 0] == 0 and grad[5, 4] == 0                        # nothing learned where nobody checked
    assert grad[3, 1] < 0 and bool((grad[1:3, 0] > 0).all())           # damaged pushed up, undamaged pushed down
    # the same as the plain loss with those two cells' terms taken out (the mean stays over every cell)
    known = torch.ones_like(net.d)
    known[0, 0, 0] = known[0, 5, 4] = 0
    plain = torch.nn.functional.binary_cross_entropy_with_logits(
        net.d, (target == 1).float(), pos_weight=torch.full((len(DAMAGE_TYPES),), 20.0), reduction="none")
    assert torch.isclose(ld, (plain * known).mean() * len(DAMAGE_TYPES))
    # a target without ignored cells is scored exactly as before the mask existed
    plain_target = (target == 1).to(torch.uint8)
    _, _, ld0 = losses(net, None, torch.zeros(1, dtype=torch.long), plain_target, 20.0, 1.0)
    before = torch.nn.functional.binary_cross_entropy_with_logits(
        net.d, plain_target.float(), pos_weight=torch.full((len(DAMAGE_TYPES),), 20.0)) * len(DAMAGE_TYPES)
    assert torch.equal(ld0, before)


def test_flips_turns_and_lower_resolution_carry_the_ignored_cells_damaged_first():
    grid = 4
    d = torch.zeros(1, grid * grid, len(DAMAGE_TYPES), dtype=torch.uint8)
    d[0, 0, 0] = IGNORED            # top-left, alone in its 2x2 block
    d[0, 2, 1] = IGNORED            # top-right block: one ignored, one damaged
    d[0, 3, 1] = 1
    x = torch.zeros(1, 3, 32, 32)
    _, low, low_grid = lower_resolution_view(x, d, grid, 16)
    assert low_grid == 2
    assert cells(low[0]) == {(1, "stain")} and cells(low[0], IGNORED) == {(0, "scratch")}
    gen = torch.Generator().manual_seed(0)
    for _ in range(8):
        _, moved = augment(x, d, grid, gen)
        # a symmetry of the square moves cells, never changes their values
        assert sorted(moved[0].flatten().tolist()) == sorted(d[0].flatten().tolist())


def test_region_figures_neither_expect_an_ignored_box_found_nor_count_a_detection_on_it_as_false():
    def probs_on(*cell_types):
        p = np.zeros((GRID * GRID, len(DAMAGE_TYPES)), np.float32)
        for c, t in cell_types:
            p[c, t] = 1.0
        return p
    meta = {"width": W, "height": H, "boxes": [(1, [120, 0, 40, 30], 1200)],   # a person's stain on cell 3
            "ignored_boxes": [(0, [0, 0, 40, 30], 1200), (4, [40, 30, 40, 30], 1200)]}   # model scratch 0, crack 5
    # found: the stain, a scratch on the ignored scratch, and a scratch on cell 15 where nothing is
    found = probs_on((3, 1), (0, 0), (15, 0))
    r, _ = region_metrics([found], [meta], GRID, [0.5] * len(DAMAGE_TYPES), [1] * len(DAMAGE_TYPES))
    assert r["gt_regions"] == 1 and r["recall"] == 1.0                 # the unfound crack is not a miss
    assert r["predicted_regions"] == 2 and r["precision"] == 0.5       # stain right, cell 15 false, cell 0 unknown
    # read as a person's (keep), the same detections find 2 of 3 and are all right
    kept = {**meta, "boxes": meta["boxes"] + meta["ignored_boxes"], "ignored_boxes": []}
    r, _ = region_metrics([found], [kept], GRID, [0.5] * len(DAMAGE_TYPES), [1] * len(DAMAGE_TYPES))
    assert (r["gt_regions"], r["predicted_regions"]) == (3, 3)


def test_a_type_with_an_ignored_box_has_no_count_target():
    meta = [{"boxes": [(1, [0, 0, 1, 1], 1), (1, [2, 2, 1, 1], 1)], "ignored_boxes": [(0, [0, 0, 1, 1], 1)]},
            {"boxes": [(0, [0, 0, 1, 1], 1)]}]
    counts = count_targets(meta)
    assert counts[0].tolist() == [-100, 2, 0, 0, 0, 0]                 # -100: cross-entropy's ignore_index
    assert counts[1].tolist() == [1, 0, 0, 0, 0, 0]


def test_the_crop_to_item_views_ignore_them_too(tmp_path):
    from model import ModelConfig
    cfg = ModelConfig(image_size=64, patch_size=16, dim=48, depth=2, heads=2, stem_channels=[8, 16, 32],
                      damage_subdiv=2, count_head=True, crop_to_item=True, frame_size=96, frame_grid=24,
                      localizer_size=48)
    path = export(tmp_path / "export")
    ignored = load_crop_split(path, "train", cfg, variants=1, jitter=0.0, verbose=False)
    kept = load_crop_split(path, "train", cfg, variants=1, jitter=0.0, verbose=False, model_boxes="keep")
    # the export has no item boxes: each crop is the whole photo, on the model's 8 x 8 damage grid
    assert {t for _, t in cells(ignored["damage"][0, 0], IGNORED)} == {"scratch"}
    assert {t for _, t in cells(ignored["damage"][1, 0], IGNORED)} == {"crack"}
    assert "scratch" not in {t for _, t in cells(ignored["damage"][0, 0])}
    assert "scratch" in {t for _, t in cells(kept["damage"][0, 0])} and not cells(kept["damage"], IGNORED)
    assert [len(m["ignored_boxes"]) for m in ignored["meta"]] == [1, 1]
    assert [len(m["ignored_boxes"]) for m in kept["meta"]] == [0, 0]


def test_a_batch_whose_counts_are_all_unknown_adds_nothing_and_the_rest_are_not_weighed_up():
    class Counting(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.c = torch.nn.Parameter(torch.randn(2, len(DAMAGE_TYPES), 4))

        def forward_crop(self, x, return_counts=True, token_grid=None):
            return torch.zeros(2, len(GRADES)), torch.zeros(2, 4, len(DAMAGE_TYPES)), self.c
    net = Counting()
    grade = torch.zeros(2, dtype=torch.long)
    damage = torch.zeros(2, 4, len(DAMAGE_TYPES), dtype=torch.uint8)
    none_known = torch.full((2, len(DAMAGE_TYPES)), -100)
    loss, lg, _ = losses(net, None, grade, damage, 1.0, 0.0, none_known, count_weight=1.0)
    assert torch.isfinite(loss) and torch.equal(loss, lg)              # nothing from the counts, and no NaN
    known = torch.zeros(2, len(DAMAGE_TYPES), dtype=torch.long)
    loss_all, lg_all, _ = losses(net, None, grade, damage, 1.0, 0.0, known, count_weight=1.0)
    ce = torch.nn.functional.cross_entropy(net.c.reshape(-1, 4), known.reshape(-1), reduction="none").view(2, -1)
    assert torch.isclose(loss_all - lg_all, ce.mean() * len(DAMAGE_TYPES))   # as before: the mean over all counts
    one_known = none_known.clone()
    one_known[0, 2] = 0
    loss_one, lg_one, _ = losses(net, None, grade, damage, 1.0, 0.0, one_known, count_weight=1.0)
    # one known count of twelve weighs what it weighs among twelve, not as if it were all of them
    assert torch.isclose(loss_one - lg_one, ce[0, 2] / ce.numel() * len(DAMAGE_TYPES))


def test_a_type_without_a_persons_box_in_validation_keeps_its_earlier_threshold_not_the_lowest():
    from train import calibrate

    class Tiny(torch.nn.Module):
        """Grade logits and damage logits of a fixed shape, whatever the photos."""
        def __init__(self, n):
            super().__init__()
            self.n = n

        def forward(self, x):
            return torch.zeros(len(x), len(GRADES)), torch.full((len(x), GRID * GRID, len(DAMAGE_TYPES)), -3.0)

        def eval(self):
            return self
    val = {"pixels": np.zeros((2, 8, 8, 3), np.uint8), "grade": np.array([0, 1]),
           "meta": [{"item_id": "a", "width": W, "height": H, "boxes": [(1, [120, 0, 40, 30], 1200)],
                     "ignored_boxes": [(0, [0, 0, 40, 30], 1200)]},
                    {"item_id": "b", "width": W, "height": H, "boxes": [], "ignored_boxes": []}]}
    earlier = [0.7, 0.9, 0.8, 0.8, 0.8, 0.8]
    cal = calibrate(Tiny(2), val, GRID, earlier)
    # only stain has a person's box: every other type keeps the earlier threshold, and the calibration says so
    assert [cal["thresholds"][k] for k in (0, 2, 3, 4, 5)] == [0.7, 0.8, 0.8, 0.8, 0.8]
    assert set(cal["thresholds_not_fitted"]["types"]) == {"scratch", "dent", "tear", "crack", "missing_part"}
    assert "stain" not in cal["thresholds_not_fitted"]["types"]
    without = calibrate(Tiny(2), val, GRID)
    assert without["thresholds"][0] == 0.5 and without["thresholds_not_fitted"]["kept_from"].startswith("0.5")


def test_kept_on_request_the_models_boxes_are_targets_like_the_others(tmp_path):
    pkg = open_package(export(tmp_path / "export"))
    d = load_split(pkg.path, "train", 32, GRID, verbose=False, model_boxes="keep")
    assert cells(d["damage"][0]) == {(0, "scratch"), (3, "stain"), (12, "dent"), (15, "tear")}
    assert cells(d["damage"][1]) == {(5, "crack")}
    assert [len(m["boxes"]) for m in d["meta"]] == [4, 1] and all(not m["ignored_boxes"] for m in d["meta"])
    v = load_split(pkg.path, "validation", 32, GRID, verbose=False, model_boxes="keep")
    assert cells(v["damage"][0]) == {(0, "scratch"), (12, "dent")}


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

    d = load_split(pkg.path, "train", 32, GRID, verbose=False, model_boxes="drop")
    # not ignored: the model's cells are undamaged (0) targets, like any cell without a box
    assert cells(d["damage"][0]) == {(3, "stain"), (12, "dent"), (15, "tear")}   # not (0, "scratch")
    assert cells(d["damage"][1]) == set() and cells(d["damage"], IGNORED) == set()   # not (5, "crack")
    assert [len(m["boxes"]) for m in d["meta"]] == [3, 0]
    assert list(d["grade"]) == [GRADES.index("Acceptable"), GRADES.index("VeryGood")]
    v = load_splits([pkg.path], "validation", 32, GRID, model_boxes="drop")
    assert cells(v["damage"][0]) == {(12, "dent")} and [len(m["boxes"]) for m in v["meta"]] == [1]


def test_check_package_reads_every_box_as_written_and_counts_the_models(tmp_path):
    summary = check(export(tmp_path / "export"), 32, GRID)["splits"]
    assert [summary[s]["annotations"] for s in ("train", "validation", "test")] == [6, 2, 1]   # the prefilled photo too
    assert [summary[s]["model_boxes"] for s in ("train", "validation", "test")] == [2, 1, 0]
    assert all("model_boxes_left_out" not in summary[s] for s in summary)
    # what training reads by default: the model's boxes' cells ignored, a person's damaged (the prefilled photo is out)
    assert [summary[s]["damage_cells"] for s in ("train", "validation", "test")] == [3, 1, 1]
    assert [summary[s]["ignored_cells"] for s in ("train", "validation", "test")] == [2, 1, 0]
    assert summary["train"]["images_prefilled_left_out"] == 1


def test_a_package_from_before_the_sources_reads_the_same_either_way_and_keeps_its_cache_name(tmp_path):
    pkg = open_package(export(tmp_path / "old", with_sources=False))
    assert not pkg.has_model_boxes and pkg.model_boxes() == 0
    assert pkg.samples() == pkg.samples(keep_model_boxes=False)
    assert [len(s["annotations"]) for s in pkg.samples("train", keep_model_boxes=False)] == [4, 1]   # every box a person's
    cache = tmp_path / "cache"
    for reading in ("drop", "ignore", "keep"):
        d = load_split(pkg.path, "train", 32, GRID, cache_dir=str(cache), verbose=False, model_boxes=reading)
        assert cells(d["damage"][0]) == {(0, "scratch"), (3, "stain"), (12, "dent"), (15, "tear")}
        assert cells(d["damage"], IGNORED) == set()
    # the name it had before the option: generated packages' caches (hours of decoding) stay valid
    assert [f.name for f in cache.iterdir()] == [f"{pkg.fingerprint()}_train_32_{GRID}_all_chosen.npz"]


def test_the_cache_keeps_the_three_readings_apart(tmp_path):
    path, cache = export(tmp_path / "export"), str(tmp_path / "cache")
    for _ in range(2):   # written, then read back from the cache
        dropped = load_split(path, "train", 32, GRID, cache_dir=cache, verbose=False, model_boxes="drop")
        kept = load_split(path, "train", 32, GRID, cache_dir=cache, verbose=False, model_boxes="keep")
        ignored = load_split(path, "train", 32, GRID, cache_dir=cache, verbose=False)
        assert cells(dropped["damage"][0]) == {(3, "stain"), (12, "dent"), (15, "tear")}
        assert cells(kept["damage"][0]) == {(0, "scratch"), (3, "stain"), (12, "dent"), (15, "tear")}
        assert cells(ignored["damage"][0]) == cells(dropped["damage"][0])
        assert cells(ignored["damage"][0], IGNORED) == {(0, "scratch")}
        assert [len(m["ignored_boxes"]) for m in ignored["meta"]] == [1, 1]
    assert sorted(f.name.rsplit("_", 1)[1] for f in os.scandir(cache)) == ["modelboxes-dropped.npz",
                                                                           "modelboxes-ignored.npz",
                                                                           "modelboxes-kept.npz"]
    with pytest.raises(ValueError):
        load_split(path, "train", 32, GRID, cache_dir=cache, verbose=False, model_boxes="weigh")


def test_the_flag_defaults_to_ignore_and_the_record_counts_what_was_left_out(tmp_path):
    path = export(tmp_path / "export")
    assert parse(["--data", path, "--out", "o"]).model_boxes == "ignore"
    with pytest.raises(SystemExit):
        parse(["--data", path, "--out", "o", "--model-boxes", "weigh"])
    ignored = model_boxes_record(parse(["--data", path, "--out", "o"]))
    assert ignored == {"setting": "ignore", "train": 2, "train_left_out": 2, "validation": 1, "validation_left_out": 1}
    kept = model_boxes_record(parse(["--data", path, "--out", "o", "--model-boxes", "keep"]))
    assert kept == {"setting": "keep", "train": 2, "train_left_out": 0, "validation": 1, "validation_left_out": 0}
    dropped = model_boxes_record(parse(["--data", path, "--out", "o", "--model-boxes", "drop"]))
    assert dropped == {"setting": "drop", "train": 2, "train_left_out": 2, "validation": 1, "validation_left_out": 1}
    assert describe_model_boxes(ignored) == (
        "2 in the training photos, 1 in the validation photos; ignored (`--model-boxes ignore`, the default): their "
        "cells are neither damaged nor undamaged targets unless a person's box covers them, and region validation "
        "neither expects them found nor counts a detection on them as false")
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


def test_train_py_ignores_them_says_how_many_and_keeps_or_drops_them_in_training_and_validation_when_told(tmp_path):
    path, cache = export(tmp_path / "export"), tmp_path / "cache"
    res = subprocess.run([sys.executable, "train.py", "--data", path, "--out", str(tmp_path / "run"),
                          "--cache", str(cache), *TINY], cwd=HERE, capture_output=True, text=True)
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]
    assert ("model boxes (nobody checked them, ADR 0051): 2 in the training photos, 1 in the validation photos; "
            "ignored (`--model-boxes ignore`, the default)") in res.stdout
    summary = json.load(open(tmp_path / "run" / "train_summary.json"))["training"]
    assert summary["model_boxes"] == {"setting": "ignore", "train": 2, "train_left_out": 2, "validation": 1,
                                      "validation_left_out": 1}
    assert summary["settings"]["model_boxes"] == "ignore"
    assert "nan" not in res.stdout.lower()                              # the masked losses stay numbers
    # validation (the thresholds) is read under the same rule as training
    assert cache_names(cache) == ["train_modelboxes-ignored.npz", "validation_modelboxes-ignored.npz"]

    res = subprocess.run([sys.executable, "train.py", "--data", path, "--out", str(tmp_path / "run1"),
                          "--cache", str(cache), "--model-boxes", "keep", "--prepare-only", *TINY],
                         cwd=HERE, capture_output=True, text=True)
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]
    res = subprocess.run([sys.executable, "train.py", "--data", path, "--out", str(tmp_path / "run2"),
                          "--cache", str(cache), "--model-boxes", "drop", "--prepare-only", *TINY],
                         cwd=HERE, capture_output=True, text=True)
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]
    assert cache_names(cache) == ["train_modelboxes-dropped.npz", "train_modelboxes-ignored.npz",
                                  "train_modelboxes-kept.npz", "validation_modelboxes-dropped.npz",
                                  "validation_modelboxes-ignored.npz", "validation_modelboxes-kept.npz"]

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
    # every step, the evaluation included, reads the boxes the same way: recorded up to the export, then stopped
    recorded = []

    def up_to_the_export(step, log):
        recorded.append(step)
        if step[0] == "export.py":
            raise SystemExit("stopped at the export")
    monkeypatch.setattr(retrain, "run", up_to_the_export)
    monkeypatch.setattr(retrain.torch, "load", lambda *a, **k: {"config": {}})   # no familiarity step
    monkeypatch.setattr(sys, "argv", ["retrain.py", "--data", path, "--out", str(tmp_path / "m0"), "--version", "9.9.9",
                                      "--work", str(tmp_path / "w0"), "--model-boxes", "keep"])
    with pytest.raises(SystemExit):
        retrain.main()
    assert [s[0] for s in recorded] == ["train.py", "evaluate.py", "export.py"]
    assert all(s[s.index("--model-boxes") + 1] == "keep" for s in recorded[:2])
    monkeypatch.setattr(retrain, "run", first_step_only)
    for given, passed in (([], "ignore"), (["--model-boxes", "keep"], "keep"), (["--model-boxes", "drop"], "drop")):
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
    ignored = card({"setting": "ignore", "train": 2, "train_left_out": 2, "validation": 1, "validation_left_out": 1})
    assert "ignored (`--model-boxes ignore`, the default)" in ignored
    not_fitted = retrain.card({"name": "grader-vit-v1", "version": "9.9.9"}, metrics, open_package(path).manifest, path,
                              None, 1.0, "fine-tune", [], None,
                              {"types": {"scratch": 0.7}, "kept_from": "the checkpoint trained from"})
    assert ("Region thresholds not fitted (no person's box of the type in the validation photos): scratch 0.7, kept "
            "from the checkpoint trained from.") in not_fitted


def test_the_card_says_how_many_photos_the_prefill_cut_off_was_fitted_on_and_warns_when_few(tiny_package):
    metrics = {"split": "test", "images": 1, "items": 1,
               "grade": {"accuracy": 1.0, "quadratic_weighted_kappa": 1.0, "ece": 0.0},
               "regions": {"recall": 1.0, "precision": 1.0}}
    manifest = {"name": "grader-vit-v1", "version": "9.9.9", "familiarity": {"prefill_min_confidence": 0.6253}}

    def card(validation_images):
        return retrain.card(manifest, metrics, open_package(tiny_package).manifest, tiny_package, None, 1.0,
                            "site-labels", [], None, None, validation_images)
    few, enough = card(29), card(retrain.FEW_VALIDATION_PHOTOS)
    assert "- Temperature and the station's prefill cut-off (0.625) fitted on the package's 29 validation photos." in few
    assert "The prefill cut-off was fitted on only 29 validation photos." in few
    assert "fitted on the package's 80 validation photos." in enough and "fitted on only" not in enough
    assert "validation photos" not in card(None)   # an older training summary: nothing claimed
