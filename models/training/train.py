"""Train (from scratch or fine-tune), then calibrate on the validation split.

A named recipe (train_config.PRESETS; `--list-presets` prints them), e.g. the shipped model's:
    OPENBLAS_NUM_THREADS=1 nice -n 19 /usr/bin/python3 train.py --preset real-content-4.0.0 --init runs/init-3.2.0.pt \
        --out runs/v15
Fine-tune the shipped model on an export (folder or zip), as retrain.py does:
    ... train.py --preset site-labels --data export.zip --init ../grader-vit-v1 --out runs/ft1
Every setting is also a flag (`--help`); flags win over the preset.

Writes OUT/last.pt (every epoch) and OUT/final.pt: weights, model config, temperature fitted on the
validation split, per-type region thresholds chosen on the validation split, training summary.
The learning-rate schedule (warmup + cosine) follows max(step progress, wall-clock progress), so a
--max-minutes budget always ends with a fully decayed learning rate.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import time

import numpy as np
import torch
import torch.nn.functional as F

from dataset import (IGNORED, augment, augment_frames, concat_splits, load_crop_split, load_split, load_splits,
                     lower_resolution_view, to_tensor)
from item_rule import choose_item_rule, item_views
from metrics import fit_temperature, grade_metrics
from model import COUNT_CLASSES, GraderViT, ModelConfig, count_params
from package import open_package
from regions import choose_thresholds, region_metrics, sigmoid
from rubric import DAMAGE_TYPES, GRADES
from train_config import TrainConfig

HERE = os.path.dirname(os.path.abspath(__file__))


def load_checkpoint(path: str, stem: str | None = None, stem_stages: int = 3):
    """A checkpoint file (.pt) or a shipped model folder (uses its model.pt). Returns (model, ckpt dict).
    stem: when it differs from the checkpoint's, a transplant (issue 15 item 3): the new stem (the pretrained ResNet
    stages from the NuGet package and a fresh projection), everything else (transformer, heads, localizer) from the
    checkpoint. The checkpoint's calibration and history then describe another network and are dropped."""
    if os.path.isdir(path):
        path = os.path.join(path, "model.pt")
    ck = torch.load(path, map_location="cpu")
    cfg = ModelConfig.from_dict(ck["config"])
    state = {k: v.float() for k, v in ck["state_dict"].items()}
    if stem is not None and stem != cfg.stem:
        cfg.stem, cfg.stem_stages = stem, stem_stages
        model = GraderViT(cfg)
        state = {k: v for k, v in state.items() if not k.startswith("stem.")}
        state.update({k: v for k, v in model.state_dict().items() if k.startswith("stem.")})
        if stem == "resnet18":
            model.load_pretrained_stem()
            state.update({k: v for k, v in model.state_dict().items() if k.startswith("stem.")})
        ck = {"config": cfg.to_dict(), "transplanted_from": path}
    else:
        model = GraderViT(cfg)
    missing, unexpected = model.load_state_dict(state, strict=False)
    # a checkpoint from before the grade readout existed: the readout starts at zero (same function)
    if unexpected or any(not k.startswith("grade_readout.") for k in missing):
        raise ValueError(f"{path}: weights do not fit the model (missing {missing}, unexpected {unexpected})")
    return model, ck


@torch.no_grad()
def predict(model, pixels: np.ndarray, batch: int = 64):
    model.eval()
    gl, dl = [], []
    for i in range(0, len(pixels), batch):
        g, d = model(to_tensor(pixels[i:i + batch]))
        gl.append(g.numpy())
        dl.append(d.numpy())
    return np.concatenate(gl), np.concatenate(dl)


def count_targets(meta: list) -> np.ndarray:
    """Per image and damage type: number of annotated instances, capped at COUNT_CLASSES - 1. [N, 6] int64. A type with
    a box nobody checked on the photo (meta's ``ignored_boxes``: --model-boxes ignore) has no known count: -100, which
    the count loss skips (cross-entropy's ignore_index)."""
    out = np.zeros((len(meta), len(DAMAGE_TYPES)), np.int64)
    for i, m in enumerate(meta):
        for b in m["boxes"]:
            out[i, b[0]] += 1
    out = np.minimum(out, COUNT_CLASSES - 1)
    for i, m in enumerate(meta):
        for b in m.get("ignored_boxes", ()):
            out[i, b[0]] = -100
    return out


def losses(model, x, grade, damage, pos_weight: float, damage_weight: float, counts=None,
           count_weight: float = 0.5, bf16: bool = False, token_grid: int | None = None):
    """grade cross-entropy + damage_weight * damage-map BCE (summed over types)
    [+ count_weight * per-type count cross-entropy (summed over types) when the model has a count head].
    x is the network's own view: the crop for a crop-to-item model (``forward_crop``); its localizer has a loss of its
    own (``localizer_loss``).

    bf16: run the network's forward pass under bfloat16 autocast (mixed precision: weights, optimizer state and
    the losses stay float32). On this machine's CPU (AVX512-BF16) a training step is 3.8x faster than float32
    (179 vs 47 photos/s, batch 32, 2 threads); the exported model is float32 either way."""
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
        g, d, c = model.forward_crop(x, return_counts=True, token_grid=token_grid)
    g, d = g.float(), d.float()
    c = c.float() if c is not None else None
    lg = F.cross_entropy(g, grade)
    pw = torch.full((d.shape[-1],), pos_weight)
    # cells nobody checked (IGNORED: --model-boxes ignore) add nothing; the mean stays over all cells, so a batch
    # without any has the same loss value as before and one with some does not weigh its other cells up
    each = F.binary_cross_entropy_with_logits(d, (damage == 1).float(), pos_weight=pw, reduction="none")
    ld = torch.where(damage != IGNORED, each, torch.zeros_like(each)).mean() * d.shape[-1]
    loss = lg + damage_weight * ld
    if c is not None and counts is not None and count_weight > 0:
        # summed over the known counts and divided by all of them: a type with a box nobody checked (-100) adds nothing
        # and does not weigh the others up; a batch with none is the mean as before; one with only those adds 0
        lc = F.cross_entropy(c.reshape(-1, c.shape[-1]), counts.reshape(-1), reduction="sum") / counts.numel() \
            * c.shape[1]
        loss = loss + count_weight * lc
    return loss, lg, ld


def localizer_loss(model, small, boxes, gen, bf16: bool = False):
    """Mean absolute error of the localizer's item box (normalized corners) on augmented whole photos as it sees
    them (``small``: normalized, already shrunk to localizer_size); photos without a recorded item box (NaN) do not
    count. None when no photo in the batch has one."""
    known = ~torch.isnan(boxes[:, 0])
    if not bool(known.any()):
        return None
    small, target = augment_frames(small[known], boxes[known], gen)
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
        pred = model.localizer(small)
    return (pred.float() - target).abs().mean()


REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def repo_relative(path: str) -> str:
    """A path as the repository names it (models/training/data/realmix-v3), the same on every machine; a path
    outside the checkout stays absolute."""
    full = os.path.abspath(path)
    if os.path.commonpath([full, REPO_ROOT]) != REPO_ROOT:
        return full
    return os.path.relpath(full, REPO_ROOT).replace(os.sep, "/")


def sha256_file(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def describe_init(path: str | None) -> str | None:
    """What a run was fine-tuned from, as a manifest should say it: a shipped model by name, version and model.pt's
    sha256 when the model.json beside it vouches for that file (the folder will hold the next model by the time this
    run ships, so its path alone would name the wrong one); anything else by its repository path and sha256."""
    if not path:
        return None
    pt = os.path.join(path, "model.pt") if os.path.isdir(path) else path
    sha = sha256_file(pt)
    manifest = os.path.join(os.path.dirname(pt), "model.json")
    if os.path.exists(manifest):
        with open(manifest) as f:
            shipped = json.load(f)
        if shipped.get("files", {}).get("pytorch_weights_sha256") == sha and shipped.get("name") and shipped.get("version"):
            return f"{shipped['name']} {shipped['version']} (model.pt sha256 {sha[:16]}...; fine-tuned from it)"
    return f"{repo_relative(pt)} (sha256 {sha[:16]}...)"


def package_record(path: str) -> dict:
    """Where a package is, its content fingerprint and counts, for the training summary (opened once)."""
    pkg = open_package(path)
    return {"package": repo_relative(path), "fingerprint": pkg.fingerprint(), "counts": pkg.manifest.get("counts")}


def model_boxes_record(a: TrainConfig) -> dict:
    """The boxes nobody checked (an export's source "model", ADR 0051) in this run's packages, for the output and the
    summary: ignored (the default: neither damage nor undamaged targets), kept as damage targets or left out (their
    cells undamaged targets), in the training and the validation photos alike (the region thresholds are fitted under
    the same reading). Whole splits (--limit aside)."""
    train = sum(open_package(p).model_boxes("train") for p in [a.data, *a.extra_train, *a.rehearsal])
    validation = sum(open_package(p).model_boxes("validation") for p in [a.data, *a.extra_validation])
    out = a.model_boxes != "keep"
    return {"setting": a.model_boxes, "train": train, "train_left_out": train if out else 0,
            "validation": validation, "validation_left_out": validation if out else 0}


def describe_model_boxes(boxes: dict) -> str:
    """One sentence on the record above (train.py's output, retrain.py's card), "" when the packages have none."""
    if not (boxes.get("train") or boxes.get("validation")):
        return ""
    counts = f"{boxes['train']} in the training photos, {boxes['validation']} in the validation photos"
    if boxes["setting"] == "drop":
        return (f"{counts}; all left out of the damage targets (`--model-boxes drop`): their cells are undamaged "
                "targets unless a person's box covers them")
    if boxes["setting"] == "ignore":
        return (f"{counts}; ignored (`--model-boxes ignore`, the default): their cells are neither damaged nor "
                "undamaged targets unless a person's box covers them, and region validation neither expects them "
                "found nor counts a detection on them as false")
    return f"{counts}; kept as damage targets like people's boxes (`--model-boxes keep`)"


def calibrate(model, val: dict, grid: int, earlier_thresholds: list | None = None) -> dict:
    """Temperature on validation grade logits; per-type region thresholds on validation damage maps; the
    confident-damage score of the station's item rule on validation items (item_rule.py).
    A type without a single person's box in the validation photos has no threshold to fit (every threshold scores 0
    and the list's first, 0.05, would win: a flood of suggested regions); it keeps earlier_thresholds' (the checkpoint
    trained from), else 0.5, and the calibration says which types did (``thresholds_not_fitted``). Under
    --model-boxes ignore that is what a site export whose boxes of a type were all left as suggested looks like."""
    g, d = predict(model, val["pixels"])
    t = fit_temperature(g, val["grade"])
    probs = sigmoid(d)
    thr = choose_thresholds(probs, val["meta"], grid)
    boxed = {b[0] for m in val["meta"] for b in m["boxes"]}
    not_fitted = {}
    for k in range(len(DAMAGE_TYPES)):
        if k not in boxed:
            thr[k] = float(earlier_thresholds[k]) if earlier_thresholds else 0.5
            not_fitted[DAMAGE_TYPES[k]] = thr[k]
    min_cells = [1] * len(DAMAGE_TYPES)
    regs, _ = region_metrics(probs, val["meta"], grid, thr, min_cells)
    items = item_views(g, probs, val["meta"], val["grade"], t, thr, min_cells, grid)
    out = {"temperature": t, "thresholds": thr, "min_cells": min_cells,
           "item_rule": {"confident_damage_score": choose_item_rule(items)},
           "validation": {"grade": grade_metrics(g, val["grade"], t, len(GRADES)), "regions": regs}}
    if not_fitted:
        out["thresholds_not_fitted"] = {"types": not_fitted, "kept_from": "the checkpoint trained from"
                                        if earlier_thresholds else "0.5 (no earlier threshold)"}
        print(f"no person's box of {', '.join(not_fitted)} in the validation photos: their region thresholds are not "
              f"fitted ({out['thresholds_not_fitted']['kept_from']}: {not_fitted})", flush=True)
    return out


def carried_calibration(ck: dict, model) -> dict:
    """The parts of --init's calibration that a run here neither refits nor invalidates: the too-small rule
    (``item_size``) of a model with a size localizer, which train.py never trains (frozen in build_model), so its box
    and the line fitted on it hold as they were. Without it a site's retrain of 4.2.0 exported no item_box output and
    the promoted model lost the station's too-small warning."""
    cal = ck.get("calibration") or {}
    return {"item_size": cal["item_size"]} if model.cfg.size_localizer and cal.get("item_size") else {}


def calibrate_only(a: TrainConfig) -> None:
    """No training: refit temperature, region thresholds and item rule of --init on the validation photos."""
    model, ck = load_checkpoint(a.init)
    if a.test_time_hflip:
        model.cfg.test_time_hflip = True
    if a.hflip_at:
        model.cfg.hflip_at = a.hflip_at
    ck["config"] = model.cfg.to_dict()
    val = load_splits([a.data] + a.extra_validation, "validation", model.cfg.input_size, model.cfg.output_grid, a.cache,
                      model_boxes=a.model_boxes)
    ck["calibration"] = dict(calibrate(model, val, model.cfg.output_grid, ck.get("calibration", {}).get("thresholds")),
                             **carried_calibration(ck, model))
    ck["state_dict"] = model.state_dict()
    os.makedirs(a.out, exist_ok=True)
    torch.save(ck, os.path.join(a.out, "final.pt"))
    print(f"temperature {ck['calibration']['temperature']:.3f}, thresholds {ck['calibration']['thresholds']}, "
          f"item rule {ck['calibration']['item_rule']}")


def build_model(a: TrainConfig):
    """The model to train: --init's (fine-tune, possibly with a new stem) or a new one from the settings."""
    if a.init:
        model, ck = load_checkpoint(a.init, a.stem, a.stem_stages)
        cfg = model.cfg
        if cfg.size_localizer:
            # the size localizer reads only the photo and feeds no other output (ADR 0029): it keeps the weights its
            # too-small line was fitted on, and that line is carried to the new checkpoint (carried_calibration)
            model.size_localizer.requires_grad_(False)
        print(f"fine-tuning from {a.init}" + (f" with a new {cfg.stem} stem" if "transplanted_from" in ck else ""))
    else:
        ck = {}
        cfg = ModelConfig(image_size=a.image_size, dim=a.dim, depth=a.depth, heads=a.heads,
                          damage_subdiv=a.damage_subdiv, count_head=not a.no_count_head, crop_to_item=a.crop_to_item,
                          frame_size=a.frame_size, frame_grid=a.frame_grid, stem_activation=a.stem_activation,
                          stem=a.stem or "conv", stem_stages=a.stem_stages)
        model = GraderViT(cfg)
        if cfg.stem == "resnet18":
            model.load_pretrained_stem()
    if a.low_res_size and (a.low_res_size % cfg.patch_size or a.low_res_size >= cfg.image_size):
        raise SystemExit(f"--low-res-size must be a multiple of {cfg.patch_size} (the patch size) under --image-size "
                         f"{cfg.image_size}")
    # oneDNN's convolutions are much faster in channels-last layout, but bf16 GELU is slower there (measured; see
    # model.ConvStem), so only a ReLU stem trains channels-last. Layout only: the checkpoint loads into a fresh model.
    # The ResNet stem is ReLU throughout: channels-last, bf16, its stages ran at 92 vs 41 photos/s (batch 32, 192 px,
    # 2 threads, forward only: the stem is frozen).
    channels_last = cfg.stem_activation == "relu" or cfg.stem == "resnet18"
    if channels_last:
        model.stem.to(memory_format=torch.channels_last)
    grid, out_grid, crop = cfg.damage_grid, cfg.output_grid, cfg.crop_to_item
    print(f"model: {count_params(model) / 1e6:.2f} M parameters, input {cfg.input_size}, network view {cfg.image_size}, "
          f"damage grid {grid}x{grid}" + (f" (output {out_grid}x{out_grid} over the photo)" if crop else ""), flush=True)
    return model, ck, channels_last


def load_data(a: TrainConfig, model):
    """Training photos (--data, --extra-train, then --rehearsal) and validation photos; own = how many are not rehearsal."""
    cfg = model.cfg
    grid, out_grid, crop = cfg.damage_grid, cfg.output_grid, cfg.crop_to_item
    reading = a.model_boxes   # the boxes nobody checked: the same reading for training and validation photos
    t0 = time.time()
    if crop:
        # training views: crops made ahead (load_crop_split), as the graph makes them; photos without a recorded
        # item box (an export from the app) are cropped where the localizer being fine-tuned puts the item
        locate = (lambda frames: model.eval().locate(frames)) if a.init else None

        def load_train(path, limit=None):
            return load_crop_split(path, "train", cfg, a.crop_variants, a.crop_jitter, a.seed, a.cache, limit, locate,
                                   model_boxes=reading)
        train = load_train(a.data, a.limit or None)
        if a.extra_train:
            train = concat_splits([train] + [load_train(e) for e in a.extra_train])
        own = len(train["grade"])
        if a.rehearsal:
            train = concat_splits([train] + [load_train(e) for e in a.rehearsal])
        unboxed = int(np.isnan(train["item_box"][:, 0]).sum())
        if unboxed:
            print(f"{unboxed} training photos have no item box: cropped where "
                  + ("the localizer puts the item" if a.init else "the whole photo is") + "; the localizer does not "
                  "learn from them", flush=True)
    else:
        train = load_split(a.data, "train", cfg.image_size, grid, a.cache, limit=a.limit or None, model_boxes=reading)
        if a.extra_train:
            train = concat_splits([train] + [load_split(e, "train", cfg.image_size, grid, a.cache, model_boxes=reading)
                                             for e in a.extra_train])
        own = len(train["grade"])
        if a.rehearsal:
            train = concat_splits([train] + [load_split(e, "train", cfg.image_size, grid, a.cache, model_boxes=reading)
                                             for e in a.rehearsal])
    val = load_splits([a.data] + a.extra_validation, "validation", cfg.input_size, out_grid, a.cache,
                      model_boxes=reading)
    print(f"data: {len(train['grade'])} train / {len(val['grade'])} validation images "
          f"(loaded in {time.time() - t0:.0f}s)", flush=True)
    return train, val, own


def main():
    a = TrainConfig.from_command_line()
    torch.set_num_threads(a.threads)
    if a.calibrate_only:
        calibrate_only(a)
        return
    torch.manual_seed(a.seed)
    os.makedirs(a.out, exist_ok=True)
    model, ck, channels_last = build_model(a)
    train, val, own = load_data(a, model)
    if a.prepare_only:
        return
    if len(train["grade"]) == 0 or len(val["grade"]) == 0:
        raise SystemExit("the package needs train and validation images")
    boxes = model_boxes_record(a)
    if describe_model_boxes(boxes):
        print(f"model boxes (nobody checked them, ADR 0051): {describe_model_boxes(boxes)}", flush=True)
    run(a, model, ck, channels_last, train, val, own, boxes)


def run(a: TrainConfig, model, ck: dict, channels_last: bool, train: dict, val: dict, own: int,
        model_boxes: dict | None = None) -> None:
    """The training loop (warmup + cosine over max(step, wall-clock) progress), then calibration and the checkpoint."""
    init_description = describe_init(a.init)   # now: the init's folder may hold another model when this run ships
    cfg = model.cfg
    grid, out_grid, crop = cfg.damage_grid, cfg.output_grid, cfg.crop_to_item
    train_counts = count_targets(train["meta"])
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=a.lr, weight_decay=a.weight_decay)
    n = len(train["grade"])
    # an epoch is every photo of --data (and --extra-train) once, plus rehearsal photos drawn afresh each epoch so
    # that they make up --rehearsal-share of it
    rehearsed = min(n - own, round(own * a.rehearsal_share / (1 - a.rehearsal_share))) if a.rehearsal else 0
    epoch_size = own + rehearsed if a.rehearsal else n
    if a.rehearsal:
        print(f"rehearsal: {rehearsed} of {n - own} rehearsal photos mixed into each epoch of {epoch_size}", flush=True)
    steps_per_epoch = max(1, epoch_size // a.batch)
    total = steps_per_epoch * a.epochs
    budget = a.max_minutes * 60
    gen = torch.Generator().manual_seed(a.seed)
    step, t_start, history = 0, time.time(), []
    low_res_steps = 0
    cpu_start = time.process_time()   # CPU seconds of all threads: shows how much of the machine we got
    done = False
    for epoch in range(a.epochs):
        model.train()
        if a.rehearsal:
            drawn = own + torch.randperm(n - own, generator=gen)[:rehearsed]
            order = torch.cat([torch.arange(own), drawn])
            perm = order[torch.randperm(len(order), generator=gen)].numpy()
        else:
            perm = torch.randperm(n, generator=gen).numpy()
        run = {"loss": 0.0, "grade": 0.0, "damage": 0.0, "n": 0}
        for b in range(steps_per_epoch):
            elapsed = time.time() - t_start
            progress = max(step / total, elapsed / budget if budget else 0.0)
            if progress >= 1.0:
                done = True
                break
            lr = a.lr * min(1.0, (step + 1) / a.warmup) * 0.5 * (1 + math.cos(math.pi * progress))
            for pg in opt.param_groups:
                pg["lr"] = lr
            idx = perm[b * a.batch:(b + 1) * a.batch]
            lloc = None
            if crop:
                variant = torch.randint(a.crop_variants, (len(idx),), generator=gen).numpy()
                x = to_tensor(train["pixels"][idx, variant])
                dmg = torch.from_numpy(train["damage"][idx, variant])
                lloc = localizer_loss(model, to_tensor(train["small"][idx]), torch.from_numpy(train["item_box"][idx]),
                                      gen, a.bf16)
            else:
                x = to_tensor(train["pixels"][idx])
                dmg = torch.from_numpy(train["damage"][idx])
            view_grid, token_grid = grid, None
            if a.low_res_size and progress < a.low_res_share:
                x, dmg, view_grid = lower_resolution_view(x, dmg, grid, a.low_res_size)
                token_grid = a.low_res_size // cfg.patch_size
                low_res_steps += 1
            elif a.low_res_size and low_res_steps and step == low_res_steps:
                print(f"step {step}: from here on the network trains at {cfg.image_size} px "
                      f"({(time.time() - t_start) / 60:.1f} min)", flush=True)
            x, dmg = augment(x, dmg, view_grid, gen)
            if channels_last:
                x = x.contiguous(memory_format=torch.channels_last)
            loss, lg, ld = losses(model, x, torch.from_numpy(train["grade"][idx]), dmg, a.pos_weight, a.damage_weight,
                                  torch.from_numpy(train_counts[idx]), a.count_weight, a.bf16, token_grid)
            if lloc is not None:
                loss = loss + a.localizer_weight * lloc
                run["box"] = run.get("box", 0.0) + lloc.item()
                run["nbox"] = run.get("nbox", 0) + 1
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            step += 1
            run["loss"] += loss.item()
            run["grade"] += lg.item()
            run["damage"] += ld.item()
            run["n"] += 1
            if step % 25 == 0:
                el = time.time() - t_start
                print(f"step {step} ep {epoch} lr {lr:.2e} loss {run['loss'] / run['n']:.4f} "
                      f"(grade {run['grade'] / run['n']:.4f} damage {run['damage'] / run['n']:.4f}"
                      + (f" box {run['box'] / run['nbox']:.4f}" if run.get("nbox") else "") + ") "
                      f"{step * a.batch / el:.1f} img/s {el / 60:.1f} min "
                      f"(cpu {(time.process_time() - cpu_start) / 60:.1f} min)", flush=True)
                run = {"loss": 0.0, "grade": 0.0, "damage": 0.0, "n": 0}
        if done and run["n"] == 0 and history and history[-1]["step"] == step:
            break   # the budget ran out at the start of this epoch: already validated at this step
        if not done and (epoch + 1) % a.validate_every:
            continue   # fast (bf16) runs see many short epochs: validating each one would cost minutes
        g, dv = predict(model, val["pixels"])
        acc = float((g.argmax(1) == val["grade"]).mean())
        quick, _ = region_metrics(sigmoid(dv[:300]), val["meta"][:300], out_grid, [0.3] * len(DAMAGE_TYPES),
                                  [1] * len(DAMAGE_TYPES))
        history.append({"epoch": epoch, "step": step, "minutes": (time.time() - t_start) / 60, "val_accuracy": acc,
                        "val_region_recall_at_0.3_first300": quick["recall"]})
        print(f"epoch {epoch} done: step {step}, validation grade accuracy {acc:.4f}, region recall "
              f"(threshold 0.3, first 300) {quick['recall']:.4f} "
              + " ".join(f"{k} {v['recall']:.2f}" for k, v in quick["per_type"].items()), flush=True)
        torch.save({"config": cfg.to_dict(), "state_dict": model.state_dict(), "history": history},
                   os.path.join(a.out, "last.pt"))
        if done:
            break
    train_minutes = (time.time() - t_start) / 60
    cpu_minutes = (time.process_time() - cpu_start) / 60

    cal = calibrate(model, val, out_grid, ck.get("calibration", {}).get("thresholds") if a.init else None)
    cal.update(carried_calibration(ck, model))
    if cfg.familiarity and a.init and ck.get("calibration", {}).get("familiarity"):
        # the buffers still hold the init's familiarity statistics; familiarity.py refits them on this run's photos
        # and blends in these (retrain.py runs it), so the record of what they were fitted on travels along
        cal["familiarity_prior"] = ck["calibration"]["familiarity"]
    print(f"temperature {cal['temperature']:.3f}, thresholds {cal['thresholds']}, item rule {cal['item_rule']}",
          flush=True)
    print("validation:", json.dumps({"grade": {k: v for k, v in cal["validation"]["grade"].items() if k != "confusion"},
                                     "region_recall": cal["validation"]["regions"]["recall"]}), flush=True)
    pkg = open_package(a.data)
    summary = {"package": repo_relative(a.data), "package_fingerprint": pkg.fingerprint(),
               "extra_validation_packages": [package_record(e) for e in a.extra_validation],
               "extra_train_packages": [package_record(e) for e in a.extra_train],
               "rehearsal_packages": [package_record(e) for e in a.rehearsal],
               "rehearsal": {"share": a.rehearsal_share, "per_epoch": rehearsed, "of": n - own} if a.rehearsal else None,
               "package_source": pkg.manifest.get("source"), "package_counts": pkg.manifest.get("counts"),
               "generator": pkg.manifest.get("generator"), "train_images": int(n),
               "validation_images": int(len(val["grade"])),
               "model_boxes": model_boxes or model_boxes_record(a),
               "thresholds_not_fitted": cal.get("thresholds_not_fitted"),
               "steps": step, "batch": a.batch,
               "epochs_completed": round(step / steps_per_epoch, 2), "train_minutes": round(train_minutes, 1),
               "train_cpu_minutes": round(cpu_minutes, 1), "images_seen": int(step * a.batch),
               "lr": a.lr, "warmup": a.warmup, "pos_weight": a.pos_weight,
               "damage_weight": a.damage_weight, "count_weight": a.count_weight,
               "low_res": ({"size": a.low_res_size, "share": a.low_res_share, "steps": low_res_steps}
                           if a.low_res_size else None),
               "bf16": a.bf16, "init": init_description, "threads": a.threads, "history": history,
               "preset": a.preset, "settings": a.to_dict()}
    if a.init and "history" in ck:   # continuing a run: carry the earlier phase's record and time
        prior = ck.get("training", {}).get("train_minutes_total") or (ck["history"][-1]["minutes"] if ck["history"] else 0)
        summary["prior_phase"] = {"checkpoint": init_description, "history": ck["history"], "minutes": round(prior, 1)}
        summary["train_minutes_total"] = round(prior + train_minutes, 1)
    else:
        summary["train_minutes_total"] = summary["train_minutes"]
    torch.save({"config": cfg.to_dict(), "state_dict": model.state_dict(), "calibration": cal, "training": summary},
               os.path.join(a.out, "final.pt"))
    with open(os.path.join(a.out, "train_summary.json"), "w") as f:
        json.dump({"training": summary, "calibration": cal}, f, indent=2)
    print(f"wrote {os.path.join(a.out, 'final.pt')} after {train_minutes:.1f} min of training", flush=True)


if __name__ == "__main__":
    main()
