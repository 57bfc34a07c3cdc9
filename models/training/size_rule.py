"""Fit the too-small rule on items that really are too small (issue 17, ADR 0029, REPORT.md "Candidate H").

localizer_zoom.py fits ``too_small_below`` on good photos only (the share under which a quantile of the validation
photos fall), which places the line by the few smallest good photos: at the 0.2 % quantile (F) it let most items
zoomed out 4x onto real scenes through, at 0.5 % (G) it flagged 1-1.5 % of good real photos. This fits it on the other
side instead: the validation photos zoomed out --zoom times onto the **train-only extra wallpapers**
(realsrc.extra_background_files: MATE, GNOME, Lomiri; no localizer has trained on them, and the check never uses
them), through the same pipeline item_size_study.py judges with (JPEG, resize, graph), and the rule is the share
under which --quantile of those fall: the lowest line that still catches that many too-small items, so as few good
photos as possible sit under it. The good photos' quantiles are printed beside it, for the record.

    OPENBLAS_NUM_THREADS=1 nice -n 19 /usr/bin/python3 size_rule.py --ckpt runs/g-size/final.pt \\
        --data data/realmix-v1:validation --data data/synth-v2:validation --real data/real --out runs/h-size/final.pt
"""
from __future__ import annotations

import argparse
import json
import os

import numpy as np
import torch

import realsrc
from dataset import preprocess_image, to_tensor
from item_size_study import zoomed_out
from model import item_share
from package import open_package
from train import load_checkpoint

HERE = os.path.dirname(os.path.abspath(__file__))


@torch.no_grad()
def shares_of(model, photos: list, size: int) -> np.ndarray:
    """The item_box output's share of the photo, for JPEG bytes, as the exported graph computes it."""
    out = []
    for i in range(0, len(photos), 16):
        model(to_tensor(np.stack([preprocess_image(b, size) for b in photos[i:i + 16]])))
        out.extend(item_share(model.item_box()).tolist())
    return np.array(out)


def rule(zoomed_shares: np.ndarray, quantile: float) -> float:
    """The share under which ``quantile`` of the zoomed-out (too small) photos fall."""
    if not 0.0 < quantile < 1.0 or len(zoomed_shares) == 0:
        raise ValueError("need zoomed-out shares and a quantile strictly between 0 and 1")
    return float(np.quantile(zoomed_shares, quantile))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ckpt", required=True, help="a checkpoint with an item_box output (localizer_zoom.py)")
    ap.add_argument("--data", action="append", required=True, help="package:split, validation splits")
    ap.add_argument("--real", required=True, help="realsrc.py's folder, fetched with --extra")
    ap.add_argument("--zoom", type=float, default=4.0)
    ap.add_argument("--quantile", type=float, default=0.6)
    ap.add_argument("--out", required=True, help="the checkpoint to write, with calibration['item_size'] refitted")
    ap.add_argument("--min-photos", type=int, default=1,
                    help="how many of an item's photos must be under the line before the app flags any (the manifest's "
                         "item_size.min_photos; 2 for a rule judged per item, REPORT.md 'Candidate I')")
    ap.add_argument("--scenes-half", choices=("all", "rule"), default="all",
                    help="rule: only the half of the train-only wallpapers a localizer trained with --extra-scenes has not "
                         "seen (realsrc.extra_background_half; candidate O); all: every one (H to N)")
    ap.add_argument("--second-look", type=float, default=0.0, metavar="MARGIN",
                    help="the size localizer looks again at the photo cropped around its first box grown by MARGIN of "
                         "the box on each side (ModelConfig.size_second_look, candidate P); written into the checkpoint")
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    model, ck = load_checkpoint(a.ckpt)
    if a.second_look:
        if not model.cfg.size_localizer:
            ap.error("--second-look needs a checkpoint with a size localizer")
        model.cfg.size_second_look = a.second_look
    model.eval()
    files = realsrc.extra_background_files(a.real) if a.scenes_half == "all" else realsrc.extra_background_half(a.real, "rule")
    if not files:
        ap.error(f"no train-only wallpapers under {a.real}: run realsrc.py --extra first")
    scenes = [realsrc.load_background(p, os.path.join(HERE, "data", "cache", "real-backgrounds")) for _, p in files]
    size = model.cfg.input_size
    as_is, zoomed = [], []
    for spec in a.data:
        path, split = spec.split(":")
        pkg = open_package(path)
        raw = [pkg.read_image(smp["file_name"]) for smp in pkg.samples(split)]
        as_is.append(shares_of(model, raw, size))
        zoomed.append(shares_of(model, [zoomed_out(b, a.zoom, scenes[j % len(scenes)]) for j, b in enumerate(raw)], size))
        print(f"{spec}: {len(raw)} photos", flush=True)
    as_is, zoomed = np.concatenate(as_is), np.concatenate(zoomed)
    below = rule(zoomed, a.quantile)
    quantiles = (0.0, 0.002, 0.005, 0.01, 0.05, 0.5)
    item_size = {
        "too_small_below": round(below, 4),
        "measure": "area share of the photo inside the item_box output",
        "rule": f"the share under which {a.quantile:.0%} of the validation photos zoomed out {a.zoom:g}x onto train-only "
                f"wallpapers no localizer trained on fall ({len(zoomed)} photos, {len(scenes)} wallpapers): smaller "
                "items are flagged as too small to judge",
        "fitted_on": ", ".join(a.data),
        "zoomed_share_quantiles": {q: round(float(np.quantile(zoomed, q)), 4) for q in (0.25, 0.5, a.quantile, 0.75)},
        "validation_share_quantiles": {q: round(float(np.quantile(as_is, q)), 4) for q in quantiles},
        "validation_flagged": round(float((as_is < below).mean()), 4),
        "min_photos": a.min_photos,
    }
    print("item_size", json.dumps(item_size), flush=True)
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    torch.save(dict(ck, config=model.cfg.to_dict(), calibration=dict(ck["calibration"], item_size=item_size)), a.out)


if __name__ == "__main__":
    main()
