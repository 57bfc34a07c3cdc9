"""Teach the localizer items photographed from too far away (issue 17's too-small-item warning, ADR 0029).

item_size_study.py showed that 4.0.0's localizer never saw an item under ~4.4 % of the photo in training, so its box
stays near that floor when the item really covers 2 %: the box's share could not tell a too-small item. This
fine-tunes the localizer alone (everything else frozen, so the grade and damage outputs change only through the crop)
on the training photos' localizer views, a --zoom-share of them zoomed out by up to --max-zoom onto train-side real
backgrounds (realsrc.backgrounds) or the photo's border colour (dataset.zoom_out_frames), then the usual flips, turns
and photometric jitter (dataset.augment_frames). Validation photos report the box IoU as they are and zoomed out;
the real check of the warning is item_size_study.py on the real pipeline (JPEG, resize, graph) with check-side
backgrounds, which training never sees. The too-small rule (calibration["item_size"], which export.py turns into the
item_box output and the manifest's item_size section) is fitted on the validation photos as they are: the share under
which --flag-at-most of them fall.

    OPENBLAS_NUM_THREADS=1 nice -n 19 /usr/bin/python3 localizer_zoom.py --ckpt runs/v401/final.pt \\
        --data data/realmix-v1 --data data/synth-v2 --real data/real --out runs/loczoom --max-minutes 20
"""
from __future__ import annotations

import argparse
import json
import math
import os
import time

import numpy as np
import torch
import torch.nn.functional as F

import realsrc
from dataset import (augment_frames, load_crop_split, load_localizer_views, to_tensor, zoom_in_frames,
                     zoom_out_frames)
from model import GraderViT, ModelConfig, item_share
from train import load_checkpoint

HERE = os.path.dirname(os.path.abspath(__file__))


def box_iou(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    iw = (torch.minimum(a[:, 2], b[:, 2]) - torch.maximum(a[:, 0], b[:, 0])).clamp(min=0)
    ih = (torch.minimum(a[:, 3], b[:, 3]) - torch.maximum(a[:, 1], b[:, 1])).clamp(min=0)
    inter = iw * ih
    return inter / (item_share(a) + item_share(b) - inter).clamp(min=1e-9)


def train_backgrounds(root: str, side: int, limit: int, cache: str, scales=(2.0,), textures: int = 0,
                      extra: bool = False) -> list:
    """Train-side real scenes as the localizer sees them, normalized [3, H, W] each, at least side x side: each
    wallpaper with its short side at each of ``scales`` x the view (1: the whole wallpaper behind the item, as
    item_size_study.py's scenes are; 4: a sixteenth of it, finer and busier), and up to ``textures`` train-side GIMP
    patterns tiled over 2x the view (wood, stone, fabric: surfaces an item stands on). extra: the train-only extra
    surfaces of realsrc.py --extra (every one, tiled) and its extra wallpapers' 'localizer' half (at the same scales; the
    other half is size_rule.py's, realsrc.extra_background_half) as well (candidate O)."""
    out = []

    def normalized(arr: np.ndarray, short: int) -> torch.Tensor:
        t = torch.from_numpy(np.ascontiguousarray(arr)).permute(2, 0, 1).float().div(255.0).unsqueeze(0)
        h, w = t.shape[2:]
        f = short / min(h, w)
        t = F.interpolate(t, size=(max(short, round(h * f)), max(short, round(w * f))), mode="area")[0]
        return (t - 0.5) / 0.5

    def tiled(tile: np.ndarray) -> torch.Tensor:
        reps = (2 * side) // min(tile.shape[:2]) + 1
        return normalized(np.tile(tile, (reps, reps, 1))[: 2 * side, : 2 * side], 2 * side)

    walls = realsrc.backgrounds(root, "train")[:limit] + (realsrc.extra_background_half(root, "localizer") if extra else [])
    for _, path in walls:
        im = realsrc.load_background(path, os.path.join(cache, "real-backgrounds"))
        out.extend(normalized(im, round(k * side)) for k in scales)
    out.extend(tiled(realsrc.read_gimp_pattern(path)) for _, path in realsrc.textures(root, "train")[:textures])
    if extra:
        out.extend(tiled(realsrc.read_texture(path)) for _, path in realsrc.extra_textures(root))
    return out


def clutter_objects(root: str, max_side: int = 96) -> list:
    """The train-side object photos (Tux Paint's cut-outs, realsrc.objects) as clutter for zoom_out_frames: [4, h, w]
    each (normalized RGB and alpha), the long side at most max_side px."""
    out = []
    for _, path in realsrc.objects(root, "train"):
        loaded = realsrc.load_object(path)
        if loaded is None:
            continue
        rgb, alpha = loaded
        t = torch.from_numpy(np.concatenate([(rgb - 0.5) / 0.5, alpha[..., None]], axis=2)).permute(2, 0, 1).float()
        f = min(1.0, max_side / max(t.shape[1:]))
        if f < 1:
            t = F.interpolate(t.unsqueeze(0), size=(max(1, round(t.shape[1] * f)), max(1, round(t.shape[2] * f))),
                              mode="area")[0]
        out.append(t)
    return out


def inset_close_ups(x: torch.Tensor, box: torch.Tensor, inset: float = 0.15) -> torch.Tensor:
    """Close-ups as item_size_study.py makes them, on localizer views: each view cut to its item box moved in by
    ``inset`` of the box on every side and enlarged back to the view, so the item overflows the frame."""
    n, _, side, _ = x.shape
    out = torch.empty_like(x)
    for i in range(n):
        x0, y0, x1, y1 = box[i].tolist()
        w, h = x1 - x0, y1 - y0
        a, b = int((x0 + inset * w) * side), int((y0 + inset * h) * side)
        c, d = max(int((x1 - inset * w) * side), a + 2), max(int((y1 - inset * h) * side), b + 2)
        out[i] = F.interpolate(x[i:i + 1, :, b:d, a:c], size=(side, side), mode="bilinear", align_corners=False)[0]
    return out


@torch.no_grad()
def evaluate(localizer, small: torch.Tensor, boxes: torch.Tensor, zoom: float, backgrounds, seed: int = 1) -> dict:
    """Box IoU and predicted / true item share on validation views, as they are (zoom 1) or all zoomed out by zoom."""
    localizer.eval()
    x, b = small, boxes
    if zoom > 1:
        gen = torch.Generator().manual_seed(seed)
        x, b = zoom_out_frames(small, boxes, gen, 1.0, zoom, backgrounds, exact_zoom=True)
    pred = torch.cat([localizer(x[i:i + 256]) for i in range(0, len(x), 256)])
    return {"zoom": zoom, "iou": round(float(box_iou(pred, b).mean()), 4),
            "share_median": round(float(item_share(pred).median()), 4),
            "true_share_median": round(float(item_share(b).median()), 4)}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--data", action="append", required=True, help="packages with item boxes (train and validation)")
    ap.add_argument("--real", required=True, help="realsrc.py's folder (train-side backgrounds)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--max-minutes", type=float, default=20, help="0: no training, only fit the too-small rule")
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--zoom-share", type=float, default=0.5)
    ap.add_argument("--max-zoom", type=float, default=5.0)
    ap.add_argument("--close-up-share", type=float, default=0.0,
                    help="share of the photos shown as close-ups instead (dataset.zoom_in_frames: the item overflows "
                         "the frame), so that a photo taken too close is not read as a small item")
    ap.add_argument("--max-close-up", type=float, default=3.0)
    ap.add_argument("--backgrounds", type=int, default=200)
    ap.add_argument("--scene-scales", default="2", help="comma-separated: each wallpaper's short side as a multiple "
                    "of the localizer's view, aspect kept (F and earlier: 2, stretched to a square)")
    ap.add_argument("--textures", type=int, default=0, help="train-side GIMP patterns as scenes too, at most this many")
    ap.add_argument("--extra-scenes", action="store_true",
                    help="the train-only extra surfaces and half the extra wallpapers (realsrc.py --extra) as scenes "
                         "too; the other half is left for size_rule.py --scenes-half rule (candidate O)")
    ap.add_argument("--clutter", type=int, default=0,
                    help="lay up to this many train-side object photos on each scene canvas around the zoomed-out "
                         "photo (dataset.zoom_out_frames): things near the item its box must leave out (candidate O)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--as-size-localizer", action="store_true",
                    help="train a second localizer for the item_box output only; the crop localizer, and so every "
                         "other output, stays as it is (ModelConfig.size_localizer)")
    ap.add_argument("--size-localizer-from", help="with --as-size-localizer: start from this checkpoint's localizer "
                                                  "(one already trained here) instead of the crop localizer")
    ap.add_argument("--size-view", type=int, default=0,
                    help="with --as-size-localizer: the side of the photo the new size localizer sees (default: the "
                         "crop localizer's). Its convolutions start from the source localizer's; its MLP head, whose "
                         "input grows with the view, starts fresh")
    ap.add_argument("--size-stem", choices=("conv", "resnet18"), default="conv",
                    help="with --as-size-localizer: the size localizer's convolutions, its own small ones (trained) or "
                         "an ImageNet-trained ResNet-18's first three stages (frozen, from the NuGet package that "
                         "`dotnet restore models/training/pretrained` fetches) under a trained head (candidate N)")
    ap.add_argument("--share-loss", type=float, default=0.0,
                    help="add this weight x |log(predicted share) - log(true share)| to the corners' L1: the rule reads "
                         "the share, and a corner error that is small for a large item doubles a far-away one's")
    ap.add_argument("--clip-grad", type=float, default=0.0,
                    help="clip the gradient's norm to this (0: no clipping); a fresh head can take a step that sends every "
                         "box to the whole photo, where the sigmoid saturates and stays (candidate K)")
    ap.add_argument("--flag-at-most", type=float, default=0.002,
                    help="the too-small rule: the item share under which at most this share of the validation photos "
                         "(as they are) would be flagged")
    ap.add_argument("--rule-close-ups", action="store_true",
                    help="fit the too-small rule so that at most --flag-at-most of the validation close-ups (15 %% "
                         "inside the item) are flagged as well as of the photos as they are: the lower share wins")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--cache", default=os.path.join(HERE, "data", "cache"))
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    model, ck = load_checkpoint(a.ckpt)
    if not model.cfg.crop_to_item:
        ap.error("the checkpoint has no localizer (crop_to_item)")
    if a.as_size_localizer and not model.cfg.size_localizer:
        # a second localizer for the item_box output only, starting from the crop localizer (or a trained one's)
        sized = GraderViT(ModelConfig.from_dict(dict(model.cfg.to_dict(), size_localizer=True,
                                                     size_localizer_size=a.size_view,
                                                     size_localizer_stem=a.size_stem)))
        state = model.state_dict()
        if a.size_stem == "resnet18":
            sized.size_localizer.load_pretrained()   # the ResNet's stages; the head starts fresh (nothing to take)
        if a.size_stem == "resnet18" and a.size_localizer_from:
            ap.error("--size-localizer-from takes a small localizer's weights; a resnet18 size localizer starts fresh")
        elif a.size_stem == "resnet18":
            source = None
        elif a.size_localizer_from:
            source_model = load_checkpoint(a.size_localizer_from)[0]
            source = source_model.size_localizer if source_model.cfg.size_localizer else source_model.localizer
        else:
            source = model.localizer
        fresh = sized.size_localizer.state_dict()
        taken = {} if source is None else {k: v for k, v in source.state_dict().items()
                                           if k in fresh and fresh[k].shape == v.shape}
        state.update({f"size_localizer.{k}": fresh[k] for k in fresh})
        state.update({f"size_localizer.{k}": v for k, v in taken.items()})
        print(f"size localizer: {len(taken)} of {len(fresh)} tensors from the source"
              + (f", seeing {a.size_view} px" if a.size_view else ""), flush=True)
        sized.load_state_dict(state)
        model = sized
        ck = dict(ck, config=model.cfg.to_dict())
    cfg = model.cfg

    side = cfg.size_view_size if cfg.size_localizer else cfg.localizer_size

    def views(split):
        parts = [load_crop_split(p, split, cfg, cache_dir=a.cache) if side == cfg.localizer_size
                 else load_localizer_views(p, split, cfg, side, cache_dir=a.cache) for p in a.data]
        small = np.concatenate([p["small"] for p in parts])
        boxes = np.concatenate([p["item_box"] for p in parts])
        known = ~np.isnan(boxes[:, 0])
        return to_tensor(small[known]), torch.from_numpy(boxes[known])

    train_x, train_b = views("train")
    val_x, val_b = views("validation")
    bgs = train_backgrounds(a.real, side, a.backgrounds, a.cache,
                            tuple(float(k) for k in a.scene_scales.split(",")), a.textures, a.extra_scenes)
    clutter = clutter_objects(a.real) if a.clutter else None
    print(f"{len(train_x)} training views, {len(val_x)} validation views, {len(bgs)} scenes"
          + (f", {len(clutter)} clutter objects" if clutter else ""), flush=True)
    zooms = (1.0, 2.0, 3.0, 4.0)
    target = model.size_localizer if cfg.size_localizer else model.localizer
    before = [evaluate(target, val_x, val_b, z, bgs) for z in zooms]
    print("before", json.dumps(before), flush=True)

    for p in model.parameters():
        p.requires_grad_(False)
    params = target.trainable_parameters() if hasattr(target, "trainable_parameters") else list(target.parameters())
    for p in params:
        p.requires_grad_(True)
    opt = torch.optim.AdamW(params, lr=a.lr, weight_decay=1e-4)
    gen = torch.Generator().manual_seed(a.seed)
    budget, t0, step, history = a.max_minutes * 60, time.time(), 0, []
    while budget > 0:
        progress = (time.time() - t0) / budget
        if progress >= 1:
            break
        lr = a.lr * min(1.0, (step + 1) / 50) * 0.5 * (1 + math.cos(math.pi * progress))
        for g in opt.param_groups:
            g["lr"] = lr
        target.train()
        idx = torch.randint(len(train_x), (a.batch,), generator=gen)
        x, b = train_x[idx], train_b[idx]
        if a.close_up_share > 0:
            # close-ups and zoomed-out views are drawn for different photos: a photo is one or the other, or as it is
            close = torch.rand(len(idx), generator=gen) < a.close_up_share
            xc, bc = zoom_in_frames(x[close], b[close], gen, 1.0, a.max_close_up)
            xf, bf = zoom_out_frames(x[~close], b[~close], gen, a.zoom_share / (1 - a.close_up_share), a.max_zoom, bgs,
                                     clutter=clutter, max_clutter=a.clutter)
            x, b = torch.cat([xc, xf]), torch.cat([bc, bf])
        else:
            x, b = zoom_out_frames(x, b, gen, a.zoom_share, a.max_zoom, bgs, clutter=clutter, max_clutter=a.clutter)
        x, b = augment_frames(x, b, gen)
        pred = target(x)
        loss = (pred - b).abs().mean()
        if a.share_loss > 0:
            loss = loss + a.share_loss * (torch.log(item_share(pred).clamp(min=1e-4))
                                          - torch.log(item_share(b).clamp(min=1e-4))).abs().mean()
        opt.zero_grad()
        loss.backward()
        if a.clip_grad > 0:
            torch.nn.utils.clip_grad_norm_(params, a.clip_grad)
        opt.step()
        step += 1
        if step % 200 == 0:
            history.append({"step": step, "minutes": round((time.time() - t0) / 60, 1), "loss": round(float(loss), 4)})
            print(json.dumps(history[-1]), flush=True)
    after = [evaluate(target, val_x, val_b, z, bgs) for z in zooms] if step else before
    if step:
        print("after", json.dumps(after), flush=True)
    for p in model.parameters():
        p.requires_grad_(True)
    with torch.no_grad():
        model.eval()
        pred = torch.cat([target(val_x[i:i + 256]) for i in range(0, len(val_x), 256)])
    shares = item_share(pred).numpy()
    below = float(np.quantile(shares, a.flag_at_most))
    close_shares = None
    if a.rule_close_ups:
        with torch.no_grad():
            close = inset_close_ups(val_x, val_b)
            close_shares = item_share(torch.cat([target(close[i:i + 256]) for i in range(0, len(close), 256)])).numpy()
        below = min(below, float(np.quantile(close_shares, a.flag_at_most)))
    cal = dict(ck["calibration"], item_size={
        "too_small_below": round(below, 4),
        "measure": "area share of the photo inside the item_box output",
        "rule": f"the share under which {a.flag_at_most:.1%} of the validation photos ({len(shares)}, as they are) "
                "fall: smaller items are flagged as too small to judge",
        "fitted_on": ", ".join(os.path.basename(p.rstrip("/")) for p in a.data) + " validation split",
        "validation_share_quantiles": {q: round(float(np.quantile(shares, q)), 4) for q in (0.0, 0.002, 0.01, 0.05, 0.5)},
        **({"rule_close_ups": "and under which as few of the same photos' close-ups (15 % inside the item) fall; the "
                              "lower share",
            "validation_close_up_share_quantiles": {q: round(float(np.quantile(close_shares, q)), 4)
                                                    for q in (0.0, 0.002, 0.01, 0.05, 0.5)}}
           if close_shares is not None else {})})
    print("item_size", json.dumps(cal["item_size"]), flush=True)
    os.makedirs(a.out, exist_ok=True)
    if step == 0:   # --max-minutes 0: only the rule is (re)fitted; the training record stays
        torch.save(dict(ck, state_dict=model.state_dict(), calibration=cal), os.path.join(a.out, "final.pt"))
        return
    ck = dict(ck, state_dict=model.state_dict(), calibration=cal, localizer_zoom={
        "from": a.ckpt, "steps": step, "minutes": round((time.time() - t0) / 60, 1), "zoom_share": a.zoom_share,
        "max_zoom": a.max_zoom, "close_up_share": a.close_up_share, "max_close_up": a.max_close_up,
        "scenes": len(bgs), "scene_scales": a.scene_scales, "textures": a.textures, "view": side,
        "share_loss": a.share_loss, "clip_grad": a.clip_grad, "size_stem": a.size_stem,
        "extra_scenes": a.extra_scenes, "clutter": a.clutter,
        "packages": [os.path.basename(p.rstrip("/")) for p in a.data],
        "validation_before": before, "validation_after": after})
    torch.save(ck, os.path.join(a.out, "final.pt"))
    with open(os.path.join(a.out, "localizer_zoom.json"), "w") as f:
        json.dump({k: v for k, v in ck["localizer_zoom"].items()}, f, indent=2)


if __name__ == "__main__":
    main()
