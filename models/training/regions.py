"""Damage regions from the damage map, and the metrics used to evaluate them.

This is the reference implementation of the algorithm the C# side implements (docs/model-manifest.md,
"Regions"). Keep the two in step: golden.json carries expected regions for its inputs.
"""
from __future__ import annotations

import numpy as np

from rubric import DAMAGE_TYPES


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=np.float64)))


def components(binary: np.ndarray):
    """8-connected components of a 2-D bool array, discovered in row-major order of their first cell.
    Returns a list of lists of (row, col)."""
    h, w = binary.shape
    seen = np.zeros_like(binary, dtype=bool)
    comps = []
    rows, cols = np.nonzero(binary)          # row-major order, same as scanning every cell
    for r, c in zip(rows.tolist(), cols.tolist()):
        if seen[r, c]:
            continue
        stack, cells = [(r, c)], []
        seen[r, c] = True
        while stack:
            y, x = stack.pop()
            cells.append((y, x))
            for dy in (-1, 0, 1):
                for dx in (-1, 0, 1):
                    yy, xx = y + dy, x + dx
                    if 0 <= yy < h and 0 <= xx < w and binary[yy, xx] and not seen[yy, xx]:
                        seen[yy, xx] = True
                        stack.append((yy, xx))
        comps.append(cells)
    return comps


def regions_from_probs(probs: np.ndarray, grid_h: int, grid_w: int, width: float, height: float,
                       thresholds, min_cells) -> list:
    """probs: [grid_h*grid_w, K] sigmoid probabilities (row-major cells).

    For each damage type k: cells with p >= thresholds[k] -> 8-connected components -> drop
    components with fewer than min_cells[k] cells -> one region per component with
    score = max p in the component and box = the component's cell extent scaled to the photo:
    x = c0 * width / grid_w, y = r0 * height / grid_h, w = (c1 - c0 + 1) * width / grid_w,
    h = (r1 - r0 + 1) * height / grid_h. Regions are listed by type, then by discovery order.
    """
    p = np.asarray(probs).reshape(grid_h, grid_w, -1)
    cw, ch = width / grid_w, height / grid_h
    out = []
    for k in range(p.shape[-1]):
        for cells in components(p[..., k] >= thresholds[k]):
            if len(cells) < min_cells[k]:
                continue
            rows = [y for y, _ in cells]
            cols = [x for _, x in cells]
            r0, r1, c0, c1 = min(rows), max(rows), min(cols), max(cols)
            out.append({"type": DAMAGE_TYPES[k], "type_index": k,
                        "score": float(max(p[y, x, k] for y, x in cells)),
                        "box": [c0 * cw, r0 * ch, (c1 - c0 + 1) * cw, (r1 - r0 + 1) * ch],
                        "cells": len(cells)})
    return out


def iou(a, b) -> float:
    ax0, ay0, aw, ah = a
    bx0, by0, bw, bh = b
    ix = max(0.0, min(ax0 + aw, bx0 + bw) - max(ax0, bx0))
    iy = max(0.0, min(ay0 + ah, by0 + bh) - max(ay0, by0))
    inter = ix * iy
    union = aw * ah + bw * bh - inter
    return inter / union if union > 0 else 0.0


def match(gt: list, pred: list, iou_min: float = 0.3):
    """Greedy one-to-one matching of same-type boxes by IoU (highest first).
    gt: [(type_index, box, ...)], pred: regions. Returns (matched gt flags, matched pred flags)."""
    pairs = []
    for i, g in enumerate(gt):
        for j, p in enumerate(pred):
            if p["type_index"] == g[0]:
                v = iou(g[1], p["box"])
                if v >= iou_min:
                    pairs.append((v, i, j))
    pairs.sort(reverse=True)
    gm, pm = [False] * len(gt), [False] * len(pred)
    for _, i, j in pairs:
        if not gm[i] and not pm[j]:
            gm[i] = pm[j] = True
    return gm, pm


def region_metrics(all_probs, metas, grid: int, thresholds, min_cells, iou_min: float = 0.3) -> dict:
    """Recall / precision of regions over a split, overall and per type. A meta's ``ignored_boxes`` (boxes nobody
    checked, read under --model-boxes ignore) are not expected to be found, and a predicted region that matches none
    of the boxes but any of them (same type, IoU >= iou_min; several regions may sit on one) is left out of precision:
    whether it is right is unknown, as COCO treats its "crowd" regions."""
    k = len(DAMAGE_TYPES)
    tp_g = np.zeros(k)
    n_g = np.zeros(k)
    tp_p = np.zeros(k)
    n_p = np.zeros(k)
    per_gt = []   # (type, matched, meta-index, box, area)
    for idx, (probs, m) in enumerate(zip(all_probs, metas)):
        regs = regions_from_probs(probs, grid, grid, m["width"], m["height"], thresholds, min_cells)
        gm, pm = match(m["boxes"], regs, iou_min)
        for g, ok in zip(m["boxes"], gm):
            n_g[g[0]] += 1
            tp_g[g[0]] += ok
            per_gt.append((g[0], ok, idx, g[1], g[2] if len(g) > 2 else g[1][2] * g[1][3]))
        ignored = m.get("ignored_boxes") or []
        unknown = [not ok and any(g[0] == r["type_index"] and iou(g[1], r["box"]) >= iou_min for g in ignored)
                   for r, ok in zip(regs, pm)]
        for r, ok, skip in zip(regs, pm, unknown):
            if skip:
                continue
            n_p[r["type_index"]] += 1
            tp_p[r["type_index"]] += ok
    res = {"iou_min": iou_min, "recall": float(tp_g.sum() / max(1, n_g.sum())),
           "precision": float(tp_p.sum() / max(1, n_p.sum())), "gt_regions": int(n_g.sum()),
           "predicted_regions": int(n_p.sum()), "per_type": {}}
    for t in range(k):
        res["per_type"][DAMAGE_TYPES[t]] = {"recall": float(tp_g[t] / max(1, n_g[t])),
                                            "precision": float(tp_p[t] / max(1, n_p[t])),
                                            "gt": int(n_g[t]), "predicted": int(n_p[t])}
    return res, per_gt


def choose_thresholds(all_probs, metas, grid: int, iou_min: float = 0.3, min_cells: int = 1,
                      grid_values=(0.05, 0.08, 0.1, 0.12, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9), beta: float = 2.0):
    """Per-type probability threshold maximising that type's region F-beta on the given (validation) data.
    beta = 2 weighs recall above precision: a missed damage costs more than a suggested region the
    associate deletes with one tap."""
    k = len(DAMAGE_TYPES)
    best = [0.5] * k
    for t in range(k):
        best_f1 = -1.0
        for thr in grid_values:
            th = [2.0] * k      # disable the other types
            th[t] = thr
            r, _ = region_metrics(all_probs, metas, grid, th, [min_cells] * k, iou_min)
            pt = r["per_type"][DAMAGE_TYPES[t]]
            b2 = beta * beta
            f1 = (1 + b2) * pt["recall"] * pt["precision"] / max(1e-9, b2 * pt["precision"] + pt["recall"])
            if f1 > best_f1:
                best_f1, best[t] = f1, thr
    return best
