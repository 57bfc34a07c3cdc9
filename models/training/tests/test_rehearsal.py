"""Rehearsal (train.py --rehearsal): a fine-tune on a site's few hundred labels mixes earlier training photos into
every epoch, in the share asked for, drawn afresh each epoch, so that the new labels are learnt without forgetting."""
import json
import os
import subprocess
import sys

import torch

from conftest import export_without_item_boxes
from model import GraderViT
from package import open_package
from test_crop_to_item import tiny_crop_cfg
from train import HERE


def run_train(tmp_path, *extra):
    init = tmp_path / "init.pt"
    torch.save({"config": tiny_crop_cfg().to_dict(), "state_dict": GraderViT(tiny_crop_cfg()).state_dict()}, str(init))
    site = export_without_item_boxes(tmp_path / "site", 20)
    out = tmp_path / "run"
    res = subprocess.run([sys.executable, "train.py", "--data", site, "--init", str(init), "--out", str(out),
                          "--epochs", "2", "--batch", "4", "--cache", str(tmp_path / "cache"), *extra],
                         cwd=HERE, capture_output=True, text=True)
    return res, out, site


def test_each_epoch_is_the_sites_photos_plus_the_asked_share_of_earlier_ones(tmp_path):
    earlier = export_without_item_boxes(tmp_path / "earlier", 40)
    res, out, site = run_train(tmp_path, "--rehearsal", earlier, "--rehearsal-share", "0.25")
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]
    own = len(open_package(site).samples("train"))
    pool = len(open_package(earlier).samples("train"))
    summary = json.load(open(out / "train_summary.json"))["training"]
    per_epoch = round(own * 0.25 / 0.75)            # a quarter of the epoch, the site's photos the other three
    assert summary["rehearsal"] == {"share": 0.25, "per_epoch": per_epoch, "of": pool}
    assert summary["train_images"] == own + pool
    assert summary["steps"] == 2 * ((own + per_epoch) // 4)
    assert [p["package"] for p in summary["rehearsal_packages"]] == [os.path.abspath(earlier)]
    assert f"rehearsal: {per_epoch} of {pool} rehearsal photos mixed into each epoch of {own + per_epoch}" in res.stdout


def test_a_share_of_one_or_more_is_refused(tmp_path):
    earlier = export_without_item_boxes(tmp_path / "earlier", 30)
    res, _, _ = run_train(tmp_path, "--rehearsal", earlier, "--rehearsal-share", "1")
    assert res.returncode != 0 and "--rehearsal-share must be at least 0 and below 1" in res.stderr
