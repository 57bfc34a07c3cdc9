"""How sure are the real-photo check's figures? A bootstrap over the check's objects, not its photos.

realcheck-v2 has 972 photos, but they are 27 real objects (Tux Paint stamps on the check side), each drawn in four
renderings (``-r1``..``-r3`` and the first), each clean, lightly and heavily damaged, three photos each. Whether a
model reads an object's own print or outline as damage is a property of the object: its photos fail together. So the
photos are not independent draws, and a standard error that treats them so (sqrt(p(1-p)/n), ~0.02 for clean called
clean over 324 photos) understates how far the figure would move on another 27 objects.

This study resamples whole objects (all of an object's renderings and photos go together) with replacement and
reports, per model, each figure's 95 % percentile interval; with two or more models, the paired interval of each
figure's difference from the first model (the same resampled objects for every model), which is what a candidate's
rule compares. It also reports how the clean photos called damaged spread over objects and kinds of goods.

    OPENBLAS_NUM_THREADS=1 nice -n 19 /usr/bin/python3 check_uncertainty.py --out results/check-uncertainty.json \\
        --model 4.1.1=../grader-vit-v1/model.pt --model v21=results/v21/final.pt

Reads nothing it fits: every threshold (temperature, familiarity threshold, prefill cut-off, item rule) is the
checkpoint's own.
"""
from __future__ import annotations

import argparse
import json
import os
import re

import numpy as np
import torch

from dataset import load_splits
from evaluate import (CLEAN_CALLED_CLEAN, DAMAGED, check_objects, check_variant, heavy_worse_than_clean,
                      predict_with_familiarity, sigmoid)
from metrics import expected_calibration_error, quadratic_weighted_kappa, softmax
from train import HERE, load_checkpoint

RENDERING = re.compile(r"-r\d+$")


def base_object(obj: str) -> str:
    """The real object a check rendering was drawn from: 'plants-flowers-flower3-r2' -> 'plants-flowers-flower3'."""
    return RENDERING.sub("", obj)


def photo_table(model, cal: dict, d: dict) -> dict:
    """Per photo of the check: what the figures need (arrays in the split's order), and per rendering whether its
    heavy item is graded worse than its clean one by the station's item rule."""
    g, dm, fam = predict_with_familiarity(model, d["pixels"])
    p = softmax(g, cal["temperature"])
    by_object, _, _ = check_objects(g, sigmoid(dm), d["meta"], d["grade"], cal, model.cfg.output_grid)
    fam_cal = cal.get("familiarity") or {}
    familiar = fam >= fam_cal["threshold"] if fam is not None and "threshold" in fam_cal else np.ones(len(p), bool)
    prefilled = familiar & (p.max(1) >= fam_cal.get("prefill_min_confidence", 0.0))
    return {"probs": p, "worse": heavy_worse_than_clean(by_object), "prefilled": prefilled}


def figures(t: dict, truth: np.ndarray, variant: np.ndarray, photos: np.ndarray, renderings: list) -> dict:
    """The check's figures over the photos indexed by ``photos`` (repeats allowed) and the renderings listed."""
    p = t["probs"][photos]
    y, v = truth[photos], variant[photos]
    pred, conf = p.argmax(1), p.max(1)
    clean, heavy = v == "clean", v == "heavy"
    wrong = pred != y
    return {
        "clean_called_clean": float(np.isin(pred[clean], CLEAN_CALLED_CLEAN).mean()),
        "heavy_called_damaged": float((pred[heavy] >= DAMAGED).mean()),
        "heavy_graded_worse_than_clean": float(np.mean([t["worse"][r] for r in renderings])),
        "confidently_wrong": float(((conf >= 0.9) & (np.abs(pred - y) >= 2)).mean()),
        "ece": expected_calibration_error(p, y),
        "quadratic_weighted_kappa": quadratic_weighted_kappa(y, pred, p.shape[1]),
        "wrong_prefills_per_100_photos": 100 * float((t["prefilled"][photos] & wrong).mean()),
    }


def object_resamples(objects: np.ndarray, reps: int, seed: int) -> list:
    """``reps`` lists of object names drawn with replacement from the distinct objects (a fixed seed: every model is
    measured on the same draws, so differences are paired)."""
    names = np.array(sorted(set(objects)))
    rng = np.random.default_rng(seed)
    return [names[rng.integers(0, len(names), len(names))] for _ in range(reps)]


def interval(values) -> list:
    lo, hi = np.percentile(np.asarray(values), [2.5, 97.5])
    return [round(float(lo), 4), round(float(hi), 4)]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", action="append", required=True, help="NAME=checkpoint (repeatable; the first is the "
                                                                     "one differences are taken from)")
    ap.add_argument("--data", default=os.path.join(HERE, "data", "realcheck-v2"))
    ap.add_argument("--reps", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=15)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--cache", default=os.path.join(HERE, "data", "cache"))
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    models = [m.split("=", 1) for m in a.model]
    first, _ = load_checkpoint(models[0][1])
    d = load_splits([a.data], "test", first.cfg.input_size, first.cfg.output_grid, a.cache)
    renders = np.array([check_variant(m["item_id"])[0] for m in d["meta"]])
    variant = np.array([check_variant(m["item_id"])[1] for m in d["meta"]])
    objects = np.array([base_object(r) for r in renders])
    truth = np.asarray(d["grade"])
    photos_of = {o: np.flatnonzero(objects == o) for o in set(objects)}
    renders_of = {o: sorted(set(renders[objects == o])) for o in set(objects)}

    tables = {}
    for name, path in models:
        model, ck = load_checkpoint(path)
        tables[name] = photo_table(model, ck["calibration"], d)
    draws = object_resamples(objects, a.reps, a.seed)
    everything = np.arange(len(truth))
    all_renders = sorted(set(renders))
    point = {n: figures(t, truth, variant, everything, all_renders) for n, t in tables.items()}
    boot = {n: {k: [] for k in point[n]} for n in tables}
    for draw in draws:
        photos = np.concatenate([photos_of[o] for o in draw])
        rs = [r for o in draw for r in renders_of[o]]
        for n, t in tables.items():
            for k, v in figures(t, truth, variant, photos, rs).items():
                boot[n][k].append(v)
    ref = models[0][0]
    clean = variant == "clean"
    out = {"package": a.data, "photos": int(len(truth)), "objects": len(photos_of), "renderings": len(all_renders),
           "reps": a.reps, "seed": a.seed, "models": dict(models), "figures": {}, "difference_from_" + ref: {}}
    for n in tables:
        out["figures"][n] = {k: {"value": round(v, 4), "interval_95": interval(boot[n][k])} for k, v in point[n].items()}
        if n != ref:
            out["difference_from_" + ref][n] = {
                k: {"value": round(point[n][k] - point[ref][k], 4),
                    "interval_95": interval(np.array(boot[n][k]) - np.array(boot[ref][k]))} for k in point[n]}
        damaged = tables[n]["probs"].argmax(1) >= DAMAGED
        per_object = {o: int((damaged & clean & (objects == o)).sum()) for o in sorted(photos_of)}
        kinds: dict[str, list] = {}
        for o, c in per_object.items():
            k = kinds.setdefault(o.split("-")[0], [0, 0])
            k[0] += c
            k[1] += int((clean & (objects == o)).sum())
        out["figures"][n]["clean_called_damaged_by_object"] = {
            "clean_photos_per_object": int(clean.sum() // len(photos_of)),
            "objects_by_count": {str(c): sum(1 for v in per_object.values() if v == c)
                                 for c in sorted(set(per_object.values()))},
            "worst": dict(sorted(per_object.items(), key=lambda kv: -kv[1])[:8]),
            "by_kind": {k: f"{c} of {n_}" for k, (c, n_) in sorted(kinds.items())}}
    with open(a.out, "w") as f:
        json.dump(out, f, indent=2)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
