"""How visible is thin damage at a given model input size? (the measurement behind the 256 px choice)

For generated items, each photo is rendered twice with identical randomness: with and without its damage.
Both go through the model's preprocessing (stretch-resize to S x S, antialiased); the per-pixel absolute
difference is the damage's signal at that input size. We report, per damage type and input size, the
peak signal (max |diff| over the damage, in 8-bit grey levels, averaged over RGB) and its ratio to the
clutter around it (standard deviation of the undamaged photo's grey levels in the damage's box grown
by half its size on each side, at the same input size): a ratio well above 1 means the damage stands
out from the item's own texture, edges and print at that resolution.

    OPENBLAS_NUM_THREADS=1 nice -n 19 /usr/bin/python3 resolution_study.py --items 60 --sizes 128 192 256 384
"""
from __future__ import annotations

import argparse
import copy
import io
import json

import numpy as np
from PIL import Image

import synth
from rubric import DAMAGE_TYPES


def down(arr, s):
    return np.asarray(Image.fromarray(arr).resize((s, s), Image.BILINEAR), dtype=np.float32)


def render_pair(seed, index):
    """(damaged photo, clean photo, masks) rendered with the same random stream."""
    rng = np.random.default_rng([seed, index])
    spec = synth.make_item_spec(rng, f"r-{index}")
    state = copy.deepcopy(rng.bit_generator.state)
    while True:
        try:
            dmg, masks, _ = synth.render_view(spec, rng)
            break
        except synth._Retry:
            state = copy.deepcopy(rng.bit_generator.state)
    rng2 = np.random.default_rng()
    rng2.bit_generator.state = state
    clean_spec = dict(spec, damage=[])
    clean, _, _ = synth.render_view(clean_spec, rng2)
    return spec, dmg, clean, masks


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=60)
    ap.add_argument("--seed", type=int, default=99)
    ap.add_argument("--sizes", type=int, nargs="+", default=[128, 192, 256, 384])
    ap.add_argument("--out")
    a = ap.parse_args()
    rows = []
    for i in range(a.items):
        spec, dmg, clean, masks = render_pair(a.seed, i)
        if dmg.shape != clean.shape:
            continue
        for d, m in zip(spec["damage"], masks):
            if m.sum() == 0:
                continue
            ys, xs = np.nonzero(m)
            diag = float(np.hypot(xs.ptp() + 1, ys.ptp() + 1))
            row = {"type": d["type"], "stroke_px": float(m.sum() / diag), "photo": list(dmg.shape[:2])}
            H, W = m.shape
            for s in a.sizes:
                cl = down(clean, s)
                diff = np.abs(down(dmg, s) - cl).mean(-1)
                cover = np.asarray(Image.fromarray(m.astype(np.float32), "F").resize((s, s), Image.BOX)) > 0
                row[f"peak_{s}"] = float(diff[cover].max()) if cover.any() else 0.0
                bw, bh = xs.ptp() + 1, ys.ptp() + 1
                x0 = int(max(0, (xs.min() - bw / 2) * s / W)); x1 = int(min(s, (xs.max() + bw / 2) * s / W) + 1)
                y0 = int(max(0, (ys.min() - bh / 2) * s / H)); y1 = int(min(s, (ys.max() + bh / 2) * s / H) + 1)
                row[f"clutter_{s}"] = float(cl[y0:y1, x0:x1].mean(-1).std()) + 1e-3
            rows.append(row)
    summary = {"items": a.items, "per_type": {}}
    for t in DAMAGE_TYPES + ["thin scratch (stroke < 3 px)"]:
        sel = [r for r in rows if (r["type"] == t if t in DAMAGE_TYPES else (r["type"] == "scratch" and r["stroke_px"] < 3))]
        if not sel:
            continue
        summary["per_type"][t] = {"n": len(sel)}
        for s in a.sizes:
            peaks = np.array([r[f"peak_{s}"] for r in sel])
            ratio = np.array([r[f"peak_{s}"] / r[f"clutter_{s}"] for r in sel])
            summary["per_type"][t][str(s)] = {"median_peak": round(float(np.median(peaks)), 1),
                                              "p10_peak": round(float(np.percentile(peaks, 10)), 1),
                                              "median_peak_to_clutter": round(float(np.median(ratio)), 2),
                                              "p10_peak_to_clutter": round(float(np.percentile(ratio, 10)), 2)}
    print(json.dumps(summary, indent=1))
    if a.out:
        with open(a.out, "w") as f:
            json.dump({"summary": summary, "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
