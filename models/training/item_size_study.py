"""Can the model tell a too-small item (issue 17's warning)? Its localizer already finds the item before the graph crops
to it (crop_to_item), so the box's share of the photo looked like a free measure. This measures, for a checkpoint:

* on photos as they are (the real-photo check, the generated validation split): the share the localizer gives, and
  how many a threshold would flag - a warning should flag none of them (ADR 0028);
* on the same photos zoomed out (the photo shrunk by k in the middle of a canvas of its own size, filled with its
  border's median colour, so the item covers 1/k^2 of what it did): the share, how many are flagged, and what the
  suggestion is worth there (grade accuracy; damaged photos called damaged, clean ones called clean).

Result for 4.0.0 (REPORT.md, docs/benchmarks.md "Photo quality"): the suggestion degrades from 2x on, but the
localizer's share does not follow the item down: it never saw an item under 4.4 % of the photo in training, and its
box stays near that floor, so no threshold flags small items without flagging good photos. Not shipped; the
localizer would first need zoomed-out items in training.

    OPENBLAS_NUM_THREADS=1 nice -n 19 /usr/bin/python3 item_size_study.py --ckpt ../grader-vit-v1/model.pt \
        --data data/realcheck-v1:test --data data/synth-v2:validation --limit 250 --threshold 0.05
"""
import argparse
import io
import os

import numpy as np
import torch
from PIL import Image, ImageOps

from dataset import normalized_item_box, preprocess_image, to_tensor
from package import open_package
from rubric import GRADES
from model import item_share
from train import load_checkpoint

HERE = os.path.dirname(os.path.abspath(__file__))


def zoomed_out(data: bytes, k: float, scene: np.ndarray | None = None) -> bytes:
    """The photo shrunk by k in the middle of a canvas of its own size: its border's median colour, or ``scene`` (a
    real background, cropped to the photo's aspect and resized to it)."""
    im = ImageOps.exif_transpose(Image.open(io.BytesIO(data))).convert("RGB")
    a = np.asarray(im)
    border = np.concatenate([a[0], a[-1], a[:, 0], a[:, -1]])
    canvas = Image.new("RGB", im.size, tuple(int(v) for v in np.median(border, axis=0)))
    if scene is not None:
        canvas = ImageOps.fit(Image.fromarray(scene), im.size, Image.BILINEAR)
    small = im.resize((max(1, round(im.width / k)), max(1, round(im.height / k))), Image.BILINEAR)
    canvas.paste(small, ((im.width - small.width) // 2, (im.height - small.height) // 2))
    out = io.BytesIO()
    canvas.save(out, "JPEG", quality=92)
    return out.getvalue()


def close_up(data: bytes, box: np.ndarray, inset: float) -> bytes | None:
    """The photo cropped to its item box (normalized x0, y0, x1, y1), moved in by ``inset`` of the box on every side:
    with an inset the item overflows the frame, as in a photo taken too close. None without a box."""
    if np.isnan(box).any():
        return None
    im = ImageOps.exif_transpose(Image.open(io.BytesIO(data))).convert("RGB")
    W, H = im.size
    x0, y0, x1, y1 = box[0] * W, box[1] * H, box[2] * W, box[3] * H
    w, h = x1 - x0, y1 - y0
    crop = im.crop((int(x0 + inset * w), int(y0 + inset * h), int(x1 - inset * w), int(y1 - inset * h)))
    out = io.BytesIO()
    crop.save(out, "JPEG", quality=92)
    return out.getvalue()


def items_flagged(item_ids: np.ndarray, flagged: np.ndarray, min_photos: int) -> str:
    """' share (count / items) |' of the items with at least min_photos of their photos flagged."""
    ids = sorted(set(item_ids.tolist()))
    hit = sum(int(flagged[item_ids == i].sum()) >= min_photos for i in ids)
    return f" {hit / len(ids):.2f} ({hit} / {len(ids)}) |"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--data", action="append", required=True, help="package:split")
    ap.add_argument("--threshold", type=float, help="flag under this item share (default: the checkpoint's item_size "
                                                    "rule, else 0.05)")
    ap.add_argument("--scenes", help="realsrc.py's folder: zoom out onto its check-side backgrounds (never used in "
                                     "training) instead of the photo's border colour")
    ap.add_argument("--zoom", type=float, action="append", help="zoom-out factors (default 1, 1.5, 2, 3, 4)")
    ap.add_argument("--close-ups", action="store_true", help="add rows for close-ups: the photo cropped to its item "
                                                               "box, and 15 %% inside it (the item overflows the frame)")
    ap.add_argument("--limit", type=int, default=300, help="photos per package at most")
    ap.add_argument("--not-in", action="append", default=[], help="a package whose photos are left out (by file name): "
                    "e.g. realcheck-v2 without its first take, realcheck-v1, when v1 has judged an earlier candidate")
    ap.add_argument("--by-item", type=int, metavar="MIN",
                    help="judge items, not photos: --limit counts items (evenly spaced, each with all its photos) and an "
                         "item is flagged when at least MIN of its photos are under the rule (ADR 0029, candidate I)")
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    model, ck = load_checkpoint(a.ckpt)
    model.eval()
    t = ck["calibration"]["temperature"]
    if a.threshold is None:
        a.threshold = ck["calibration"].get("item_size", {}).get("too_small_below", 0.05)
    scenes = None
    if a.scenes:
        import realsrc
        scenes = [realsrc.load_background(p, os.path.join(HERE, "data", "cache", "real-backgrounds"))
                  for _, p in realsrc.backgrounds(a.scenes, "check")]
        print(f"zooming out onto {len(scenes)} check-side backgrounds")
    s = model.cfg.input_size
    zooms = a.zoom or [1.0, 1.5, 2.0, 3.0, 4.0]
    seen = {smp["file_name"] for p in a.not_in for sp in ("train", "validation", "test")
            for smp in open_package(p).samples(sp)}
    by_item = f" items flagged (>= {a.by_item} photos) |" if a.by_item else ""
    print(f"| photos | zoomed out | n | item share p1 / p5 / median | flagged (< {a.threshold:g}) | grade accuracy | "
          f"damaged called damaged | clean called clean |{by_item}")
    print("|---|--:|--:|---|--:|--:|--:|--:|" + ("--:|" if a.by_item else ""))
    for spec in a.data:
        path, split = spec.split(":")
        pkg = open_package(path)
        samples = [smp for smp in pkg.samples(split) if smp["file_name"] not in seen]
        # evenly spaced, not the first --limit: the photos are in name order, so the first ones are a few objects
        if a.by_item:   # whole items, evenly spaced: every photo of each
            items = sorted({smp["item_id"] for smp in samples})
            items = {items[i] for i in sorted({round(j) for j in np.linspace(0, len(items) - 1, a.limit)})} \
                if len(items) > a.limit else set(items)
            samples = [smp for smp in samples if smp["item_id"] in items]
        else:
            samples = [samples[i] for i in sorted({round(j) for j in np.linspace(0, len(samples) - 1, a.limit)})] \
                if len(samples) > a.limit else samples
        truth = np.array([smp["grade_index"] for smp in samples])
        item_of = np.array([smp["item_id"] for smp in samples])
        raw = [pkg.read_image(smp["file_name"]) for smp in samples]
        views = [(f"{k:g}x", [zoomed_out(b, k, scenes[j % len(scenes)] if scenes else None) if k != 1 else b
                               for j, b in enumerate(raw)], truth, item_of) for k in zooms]
        if a.close_ups:
            boxes = [normalized_item_box(smp) for smp in samples]
            for inset in (0.0, 0.15):
                photos = [close_up(b, box, inset) for b, box in zip(raw, boxes)]
                kept = [i for i, p in enumerate(photos) if p is not None]
                views.append((f"close-up, inset {inset:g}", [photos[i] for i in kept], truth[kept], item_of[kept]))
        for label, photos, truth_k, items_k in views:
            pixels = np.stack([preprocess_image(b, s) for b in photos])
            shares, grades = [], []
            with torch.no_grad():
                for i in range(0, len(pixels), 16):
                    x = to_tensor(pixels[i:i + 16])
                    grades.extend(torch.softmax(model(x)[0] / t, -1).argmax(-1).tolist())
                    shares.extend(item_share(model.item_box()).tolist())   # the exported box (a size localizer's, if any)
            shares, grades = np.array(shares), np.array(grades)
            damaged, clean = truth_k >= 2, truth_k == 0
            p1, p5, p50 = np.percentile(shares, [1, 5, 50])
            print(f"| {path.split('/')[-1]} {split} | {label} | {len(photos)} | {p1:.3f} / {p5:.3f} / {p50:.3f} | "
                  f"{(shares < a.threshold).mean():.2f} ({int((shares < a.threshold).sum())}) | {(grades == truth_k).mean():.2f} | "
                  f"{(grades[damaged] >= 2).mean() if damaged.any() else float('nan'):.2f} | "
                  f"{(grades[clean] <= 1).mean() if clean.any() else float('nan'):.2f} |"
                  + (items_flagged(items_k, shares < a.threshold, a.by_item) if a.by_item else ""), flush=True)


if __name__ == "__main__":
    main()
