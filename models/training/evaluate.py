"""Evaluate a trained checkpoint on a split (default: test) of a dataset package.

    OPENBLAS_NUM_THREADS=1 nice -n 19 /usr/bin/python3 evaluate.py --ckpt runs/v1/final.pt \
        --data data/synth-v1 --out runs/v1/metrics.json

Grade: accuracy, quadratic weighted kappa, expected calibration error (15 bins) with the checkpoint's
temperature. Regions: recall / precision at IoU >= 0.3 with the checkpoint's thresholds (regions.py),
recall by damage size (to state the smallest damage detected reliably), PyTorch CPU latency. Per item: the
item's photos combined the way the station combines them (``item_metrics``).
"""
from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np
import torch

from dataset import MODEL_BOX_SETTINGS, load_splits, to_tensor
from item_rule import item_grades, item_metrics, item_views
from metrics import grade_metrics, quadratic_weighted_kappa, softmax
from regions import iou as box_iou
from regions import region_metrics, sigmoid
from rubric import DAMAGE_TYPES, GRADES
from train import HERE, load_checkpoint, predict


def size_buckets(per_gt, metas, image_size: int) -> dict:
    """Recall by damage size. Sizes are given relative to the photo so they transfer to any resolution:
    longest box side / photo's longer side; for scratches also the stroke width (mask area / box
    diagonal) in photo pixels, as a fraction of the photo's longer side, and in model-input pixels."""
    out = {"by_longest_side_fraction": {}, "scratch_by_stroke_width": {}}
    edges = [0, 0.05, 0.08, 0.12, 0.2, 1.01]
    rows = []
    for t, ok, idx, box, area in per_gt:
        m = metas[idx]
        longer = max(m["width"], m["height"])
        frac = max(box[2], box[3]) / longer
        rows.append((t, ok, frac))
    for lo, hi in zip(edges[:-1], edges[1:]):
        sel = [ok for t, ok, f in rows if lo <= f < hi]
        out["by_longest_side_fraction"][f"{lo:.2f}-{min(hi, 1):.2f}"] = {
            "n": len(sel), "recall": float(np.mean(sel)) if sel else None}
    per_type = {}
    for k, name in enumerate(DAMAGE_TYPES):
        per_type[name] = {}
        for lo, hi in zip(edges[:-1], edges[1:]):
            sel = [ok for t, ok, f in rows if t == k and lo <= f < hi]
            per_type[name][f"{lo:.2f}-{min(hi, 1):.2f}"] = {"n": len(sel), "recall": float(np.mean(sel)) if sel else None}
    out["by_type_and_longest_side_fraction"] = per_type
    widths = []
    for t, ok, idx, box, area in per_gt:
        if t != 0:
            continue
        m = metas[idx]
        longer = max(m["width"], m["height"])
        diag = float(np.hypot(box[2], box[3]))
        w_px = area / max(diag, 1.0)
        scale = image_size / ((m["width"] + m["height"]) / 2)
        widths.append((ok, w_px, w_px / longer, w_px * scale))
    wedges = [0, 2.0, 3.0, 4.0, 6.0, 100]
    for lo, hi in zip(wedges[:-1], wedges[1:]):
        sel = [w for w in widths if lo <= w[1] < hi]
        out["scratch_by_stroke_width"][f"{lo:g}-{hi:g} px"] = {
            "n": len(sel), "recall": float(np.mean([w[0] for w in sel])) if sel else None,
            "mean_fraction_of_longer_side": float(np.mean([w[2] for w in sel])) if sel else None,
            "mean_input_px": float(np.mean([w[3] for w in sel])) if sel else None}
    return out


@torch.no_grad()
def localizer_metrics(model, pixels: np.ndarray, item_box: np.ndarray, metas: list, batch: int = 64) -> dict | None:
    """A crop-to-item model's localizer against the recorded item boxes: IoU, and how often the crop the graph makes
    holds the whole item and each annotated damage box (0.5 % of the photo's side of tolerance). None when the model
    does not crop or the photos have no recorded box."""
    known = ~np.isnan(item_box[:, 0])
    if not model.cfg.crop_to_item or not known.any():
        return None
    model.eval()
    boxes, crops = [], []
    for i in range(0, len(pixels), batch):
        frames = to_tensor(pixels[i:i + batch])
        boxes.append(model.locate(frames).numpy())
        crops.append(model.crop_box(frames).numpy())   # the crop exactly as the exported graph makes it
    boxes, crops = np.concatenate(boxes), np.concatenate(crops)
    gt = item_box[known]

    def xywh(b):
        return (b[0], b[1], b[2] - b[0], b[3] - b[1])
    iou = np.array([box_iou(xywh(p), xywh(t)) for p, t in zip(boxes[known], gt)])
    tol = 0.005

    def inside(c, b):
        return bool(c[0] <= b[0] + tol and c[1] <= b[1] + tol and c[2] >= b[2] - tol and c[3] >= b[3] - tol)
    item_inside = [inside(c, b) for c, b in zip(crops[known], gt)]
    damage_inside = []
    for c, m in zip(crops, metas):
        # a box nobody checked is damage the crop should hold all the same
        for _, (x, y, w, h), _ in [*m["boxes"], *m.get("ignored_boxes", [])]:
            W, H = m["width"], m["height"]
            damage_inside.append(inside(c, (x / W, y / H, (x + w) / W, (y + h) / H)))
    return {"photos": int(known.sum()), "iou_mean": float(iou.mean()), "iou_p05": float(np.quantile(iou, 0.05)),
            "crop_holds_whole_item": float(np.mean(item_inside)),
            "crop_holds_damage_box": float(np.mean(damage_inside)) if damage_inside else None,
            "crop_side_mean": [float((crops[:, 2] - crops[:, 0]).mean()), float((crops[:, 3] - crops[:, 1]).mean())]}


def latency(model, image_size: int) -> dict:
    model.eval()
    res = {}
    with torch.no_grad():
        for b in (1, 8):
            x = torch.randn(b, 3, image_size, image_size)
            model(x)
            ts = []
            for _ in range(10 if b == 1 else 4):
                t = time.perf_counter()
                model(x)
                ts.append(time.perf_counter() - t)
            res[f"batch{b}_ms_per_image"] = round(1000 * float(np.median(ts)) / b, 1)
    res["threads"] = torch.get_num_threads()
    return res


def evaluate(ckpt_path: str, data: str, split: str = "test", cache: str | None = None, extra: list | None = None,
             model_boxes: str = MODEL_BOX_SETTINGS[0]) -> dict:
    """model_boxes: how an export's boxes nobody checked are read (dataset.MODEL_BOX_SETTINGS; by default ignored:
    the region figures neither expect them found nor count a detection on them as false)."""
    model, ck = load_checkpoint(ckpt_path)
    cfg = model.cfg
    cal = ck["calibration"]
    grid = cfg.output_grid
    d = load_splits([data] + list(extra or []), split, cfg.input_size, grid, cache, model_boxes=model_boxes)
    g, dm = predict(model, d["pixels"])
    probs = sigmoid(dm)
    gm = grade_metrics(g, d["grade"], cal["temperature"], len(GRADES))
    regs, per_gt = region_metrics(probs, d["meta"], grid, cal["thresholds"], cal["min_cells"], 0.3)
    items = item_views(g, probs, d["meta"], d["grade"], cal["temperature"], cal["thresholds"], cal["min_cells"], grid)
    per_item = item_metrics(items, cal.get("item_rule", {}).get("confident_damage_score"))
    return {"split": split, "images": int(len(d["grade"])), "items": len(items),
            "temperature": cal["temperature"], "grade": gm, "item_grade": per_item, "regions": regs,
            "region_recall_by_size": size_buckets(per_gt, d["meta"], cfg.input_size),
            "localizer": localizer_metrics(model, d["pixels"], d["item_box"], d["meta"]),
            "pytorch_cpu_latency": latency(model, cfg.input_size)}


CLEAN_CALLED_CLEAN = (0, 1)        # LikeNew or VeryGood
DAMAGED = 2                        # Good or worse


@torch.no_grad()
def predict_with_familiarity(model, pixels: np.ndarray, batch: int = 64):
    """(grade logits, damage logits, familiarity scores or None)."""
    model.eval()
    gl, dl, fl = [], [], []
    fam = model.cfg.familiarity
    for i in range(0, len(pixels), batch):
        out = model(to_tensor(pixels[i:i + batch]), return_familiarity=fam)
        gl.append(out[0].numpy())
        dl.append(out[1].numpy())
        if fam:
            fl.append(out[2].numpy())
    return np.concatenate(gl), np.concatenate(dl), (np.concatenate(fl) if fam else None)


def check_variant(item_id: str) -> tuple:
    """(object, variant) of a real-photo check item id rc-<object>-<variant> (realmix.py --check)."""
    head, variant = item_id.rsplit("-", 1)
    return head[3:], variant


def realcheck(model, cal: dict, package: str, cache: str | None = None) -> dict:
    """The real-photo check (realmix.py --check): real objects clean, lightly and heavily damaged.

    Per photo: clean called clean (LikeNew/VeryGood), heavy damage called damaged (Good or worse), QWK, accuracy, ECE,
    confidently wrong (confidence >= 0.9 and two or more grades off), region recall/precision, familiar share. Per
    object: the item grades (station rule) of its clean and heavy versions, and whether heavy is graded worse."""
    cfg = model.cfg
    d = load_splits([package], "test", cfg.input_size, cfg.output_grid, cache)
    g, dm, fam = predict_with_familiarity(model, d["pixels"])
    return realcheck_of_outputs(g, dm, fam, d, cal, package, cfg.output_grid)


def check_objects(g, probs, meta: list, grades, cal: dict, grid: int):
    """The check's items graded as the station grades an item (item_rule.py): (per object, {variant: {"true",
    "predicted"}}; the items' true grades; their suggested grades), items in first-seen order."""
    items = item_views(g, probs, meta, grades, cal["temperature"], cal["thresholds"], cal["min_cells"], grid)
    item_ids = list(dict.fromkeys(m["item_id"] for m in meta))   # item_views keeps first-seen order
    _, item_pred = item_grades(items, cal.get("item_rule", {}).get("confident_damage_score"))
    by_object: dict[str, dict] = {}
    for item_id, ip, (tg, _, _) in zip(item_ids, item_pred, items):
        obj, variant = check_variant(item_id)
        by_object.setdefault(obj, {})[variant] = {"true": GRADES[tg], "predicted": GRADES[int(ip)]}
    return by_object, np.array([it[0] for it in items]), item_pred


def heavy_worse_than_clean(by_object: dict) -> dict:
    """Per object with both versions: is its heavy item graded worse than its clean one?"""
    return {o: GRADES.index(v["heavy"]["predicted"]) > GRADES.index(v["clean"]["predicted"])
            for o, v in by_object.items() if "clean" in v and "heavy" in v}


def realcheck_of_outputs(g, dm, fam, d: dict, cal: dict, package: str, grid: int) -> dict:
    """realcheck's figures from a model's outputs on the check's photos (grade logits, damage logits, familiarity
    scores or None) and the loaded split ``d``: so a study can put other grade logits in the same measure."""
    probs = sigmoid(dm)
    t = cal["temperature"]
    gm = grade_metrics(g, d["grade"], t, len(GRADES))
    p = softmax(g, t)
    pred, conf, truth = p.argmax(1), p.max(1), d["grade"]
    variants = np.array([check_variant(m["item_id"])[1] for m in d["meta"]])
    regs, _ = region_metrics(probs, d["meta"], grid, cal["thresholds"], cal["min_cells"], 0.3)

    def share(mask):
        return round(float(mask.mean()), 4) if len(mask) else None
    by_object, item_truth, item_pred = check_objects(g, probs, d["meta"], d["grade"], cal, grid)
    worse = list(heavy_worse_than_clean(by_object).values())
    item_var = np.array([check_variant(i)[1] for i in dict.fromkeys(m["item_id"] for m in d["meta"])])
    out = {
        "package": package, "photos": int(len(truth)), "objects": len(by_object),
        "clean_called_clean": share(np.isin(pred[variants == "clean"], CLEAN_CALLED_CLEAN)),
        "heavy_called_damaged": share(pred[variants == "heavy"] >= DAMAGED),
        "light_called_damaged_or_verygood": share(pred[variants == "light"] >= 1),
        "heavy_graded_worse_than_clean": share(np.array(worse)),
        "confidently_wrong": share((conf >= 0.9) & (np.abs(pred - truth) >= 2)),
        "accuracy": gm["accuracy"], "quadratic_weighted_kappa": gm["quadratic_weighted_kappa"], "ece": gm["ece"],
        "within_one_grade": round(float((np.abs(pred - truth) <= 1).mean()), 4),
        "mean_confidence": round(float(conf.mean()), 4),
        "per_item": {"clean_called_clean": share(np.isin(item_pred[item_var == "clean"], CLEAN_CALLED_CLEAN)),
                     "heavy_called_damaged": share(item_pred[item_var == "heavy"] >= DAMAGED),
                     "accuracy": share(item_pred == item_truth),
                     "quadratic_weighted_kappa": quadratic_weighted_kappa(item_truth, item_pred, len(GRADES))},
        "regions": {"recall": regs["recall"], "precision": regs["precision"]},
        "confusion": gm.get("confusion"),
        "by_object": by_object,
    }
    if fam is not None:
        thr = cal["familiarity"]["threshold"]
        out["familiar"] = share(fam >= thr)
        out["familiar_by_variant"] = {v: share(fam[variants == v] >= thr) for v in ("clean", "light", "heavy")}
    return out


def print_realcheck(rc: dict):
    print(f"real-photo check: {rc['photos']} photos of {rc['objects']} objects")
    print(f"  clean called clean {rc['clean_called_clean']}  heavy called damaged {rc['heavy_called_damaged']}  "
          f"heavy worse than clean {rc['heavy_graded_worse_than_clean']}  confidently wrong {rc['confidently_wrong']}")
    print(f"  accuracy {rc['accuracy']:.4f}  QWK {rc['quadratic_weighted_kappa']:.4f}  ECE {rc['ece']:.4f}  "
          f"regions recall {rc['regions']['recall']:.4f} precision {rc['regions']['precision']:.4f}"
          + (f"  familiar {rc['familiar']}" if "familiar" in rc else ""))
    print(f"  per item: {json.dumps(rc['per_item'])}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ckpt", required=True, help="final.pt or a shipped model folder")
    ap.add_argument("--data", required=True)
    ap.add_argument("--split", default="test")
    ap.add_argument("--extra-data", action="append", default=[], help="another package whose same split is added (repeatable)")
    ap.add_argument("--out")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--cache", default=os.path.join(HERE, "data", "cache"))
    ap.add_argument("--realcheck", help="the real-photo check package (realmix.py --check), reported beside the split")
    ap.add_argument("--model-boxes", choices=MODEL_BOX_SETTINGS, default=MODEL_BOX_SETTINGS[0],
                    help="an export's boxes the model drew and nobody touched: ignore (default: region figures neither "
                         "expect them found nor count a detection on them as false), keep (as a person's) or drop")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    res = evaluate(a.ckpt, a.data, a.split, a.cache, a.extra_data, a.model_boxes)
    res["packages"] = [a.data] + a.extra_data
    res["model_boxes"] = a.model_boxes
    if a.realcheck:
        model, ck = load_checkpoint(a.ckpt)
        res["realcheck"] = realcheck(model, ck["calibration"], a.realcheck, a.cache)
        print_realcheck(res["realcheck"])
    g, r = res["grade"], res["regions"]
    print(f"{res['split']}: {res['images']} images / {res['items']} items")
    print(f"grade accuracy {g['accuracy']:.4f}  QWK {g['quadratic_weighted_kappa']:.4f}  ECE {g['ece']:.4f} "
          f"(uncalibrated {g['ece_uncalibrated']:.4f})")
    print(f"regions @IoU0.3: recall {r['recall']:.4f} precision {r['precision']:.4f}  per type: " +
          ", ".join(f"{k} {v['recall']:.2f}/{v['precision']:.2f}" for k, v in r["per_type"].items()))
    for name in ("grade_head_mean", "station_rule"):
        if (v := res["item_grade"].get(name)) is not None:
            print(f"per item ({name}): accuracy {v['accuracy']:.4f}  QWK {v['quadratic_weighted_kappa']:.4f}")
    print("per item, station rule accuracy by confident-damage score:",
          json.dumps(res["item_grade"]["accuracy_by_confident_damage_score"]))
    print("scratch recall by stroke width:", json.dumps(res["region_recall_by_size"]["scratch_by_stroke_width"]))
    if res["localizer"]:
        print("localizer:", json.dumps(res["localizer"]))
    print("latency:", res["pytorch_cpu_latency"])
    if a.out:
        with open(a.out, "w") as f:
            json.dump(res, f, indent=2)


if __name__ == "__main__":
    main()
