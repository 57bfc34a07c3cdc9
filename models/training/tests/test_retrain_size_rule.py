"""A fine-tune keeps the too-small rule of a model with a size localizer (issue 17's warning survives a site's retrain).

Found on 2026-12-07: retrain.py on 4.2.0 wrote a model without `item_size`, so its export had no item_box output and a
promoted site model would have dropped the station's too-small warning, while the size localizer's weights (which
train.py never trains) were the same as before. The rule is now carried, and only where it still holds."""
import subprocess
import sys

import torch

from conftest import export_without_item_boxes
from model import GraderViT, ModelConfig
from test_crop_to_item import tiny_crop_cfg
from train import HERE

RULE = {"too_small_below": 0.03, "rule": "the test's", "fitted_on": "nothing", "min_photos": 2}


def init_checkpoint(tmp_path, size_localizer: bool):
    cfg = ModelConfig.from_dict(dict(tiny_crop_cfg().to_dict(), size_localizer=size_localizer))
    torch.manual_seed(0)
    model = GraderViT(cfg)
    path = tmp_path / "init.pt"
    torch.save({"config": cfg.to_dict(), "state_dict": model.state_dict(),
                "calibration": {"temperature": 1.0, "thresholds": [0.5] * 6, "min_cells": [1] * 6,
                                "item_size": RULE}}, str(path))
    return path, model.state_dict()


def train(tmp_path, init, *extra):
    data = export_without_item_boxes(tmp_path / "site", 20)
    out = tmp_path / "run"
    res = subprocess.run([sys.executable, "train.py", "--data", data, "--init", str(init), "--out", str(out),
                          "--epochs", "2", "--batch", "4", "--lr", "1e-3", "--warmup", "1",
                          "--cache", str(tmp_path / "cache"), *extra], cwd=HERE, capture_output=True, text=True)
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]
    return torch.load(str(out / "final.pt"), map_location="cpu")


def test_a_fine_tune_keeps_the_size_localizer_and_its_too_small_line(tmp_path):
    init, before = init_checkpoint(tmp_path, size_localizer=True)
    after = train(tmp_path, init)
    assert after["calibration"]["item_size"] == RULE
    sized = [k for k in before if k.startswith("size_localizer.")]
    assert sized and all(torch.equal(before[k], after["state_dict"][k]) for k in sized)
    assert not all(torch.equal(before[k], after["state_dict"][k]) for k in before if not k.startswith("size_localizer."))


def test_a_recalibration_keeps_it_too(tmp_path):
    init, _ = init_checkpoint(tmp_path, size_localizer=True)
    after = train(tmp_path, init, "--calibrate-only")
    assert after["calibration"]["item_size"] == RULE


def test_a_line_fitted_on_the_crop_localizer_is_not_carried_since_the_fine_tune_moves_that_localizer(tmp_path):
    init, _ = init_checkpoint(tmp_path, size_localizer=False)
    after = train(tmp_path, init)
    assert "item_size" not in after["calibration"]
