"""What the station prefills per ITEM, under its item rule (Suggestions.ForItem + PrefillPolicy in the app), with an
item's confidence as the app takes it now (the grade head's mean probability of the suggested grade, ADR 0054) and as it
took it before (an item whose grade the damage overruled carried its best confident region's score).

prefill_study.py and familiarity.py count per photo, with the grade head alone; the station prefills an item from all
its photos, and the damage it is sure of may overrule the grade head. An item is prefilled when every photo is familiar
and its confidence reaches the model's prefill_min_confidence. Nothing is fitted here; the real-photo check is reported.

    OPENBLAS_NUM_THREADS=1 nice -n 19 /usr/bin/python3 station_prefill_study.py --ckpt ../grader-vit-v1 \\
        --set data/realmix-v1:validation --set data/realcheck-v2:test --set data/synth-v1-test:test
"""
from __future__ import annotations

import argparse
import json
import os

import numpy as np
import torch

from dataset import load_splits
from evaluate import predict_with_familiarity
from familiarity import prefill_threshold
from item_rule import item_views, station_suggestions
from regions import sigmoid
from train import load_checkpoint

HERE = os.path.dirname(os.path.abspath(__file__))


def item_familiar(scores, metas, threshold: float) -> list:
    """Per item (item_views' order: first appearance), whether every photo is familiar (None scores: unknown = familiar)."""
    by_item: dict[str, list[int]] = {}
    for i, m in enumerate(metas):
        by_item.setdefault(m["item_id"], []).append(i)
    return [True if scores is None else bool((scores[idx] >= threshold).all()) for idx in by_item.values()]


def prefill_counts(suggestions: list, familiar: list, cut: float | None, before: bool = False) -> dict:
    """Items prefilled and prefilled wrongly (station_suggestions' rows; before: the pre-ADR-0054 confidence)."""
    n = len(suggestions)
    pre = [s for s, f in zip(suggestions, familiar) if f and (cut is None or s[3 if before else 2] >= cut)]
    wrong = [s for s in pre if s[1] != s[0]]
    return {"items": n, "prefilled": len(pre), "prefilled_wrong": len(wrong),
            "prefilled_share": round(len(pre) / n, 4) if n else None,
            "wrong_prefills_per_100_items": round(100 * len(wrong) / n, 2) if n else None,
            "wrong_share_of_prefilled": round(len(wrong) / len(pre), 4) if pre else None,
            "overruled_prefilled": sum(1 for s in pre if s[4]),
            "overruled_prefilled_wrong": sum(1 for s in wrong if s[4])}


def item_rows(model, cal: dict, package: str, split: str, cache: str | None):
    """(station_suggestions' rows, whether each item is familiar, photos) for one set."""
    cfg = model.cfg
    d = load_splits([package], split, cfg.input_size, cfg.output_grid, cache)
    g, dm, fam = predict_with_familiarity(model, d["pixels"])
    items = item_views(g, sigmoid(dm), d["meta"], d["grade"], cal["temperature"], cal["thresholds"], cal["min_cells"],
                       cfg.output_grid)
    rows = station_suggestions(items, cal.get("item_rule", {}).get("confident_damage_score"))
    familiar = item_familiar(fam, d["meta"], (cal.get("familiarity") or {}).get("threshold", -np.inf))
    return rows, familiar, int(len(d["grade"]))


def per_item_cut_off(rows: list, familiar: list, max_wrong: float = 0.10) -> float:
    """ADR 0017's rule applied to items instead of photos: the lowest item confidence at which at most max_wrong of the
    familiar items prefilled would carry a wrong grade (reported only: the shipped cut-off is fitted per photo)."""
    fam = [r for r, f in zip(rows, familiar) if f]
    return prefill_threshold(np.array([r[2] for r in fam], dtype=float), np.array([r[1] == r[0] for r in fam], dtype=bool),
                             max_wrong)


def study(model, cal: dict, package: str, split: str, cache: str | None, per_item_cut: float | None = None) -> dict:
    rows, familiar, photos = item_rows(model, cal, package, split, cache)
    cut = (cal.get("familiarity") or {}).get("prefill_min_confidence")
    overruled = [r for r in rows if r[4]]
    out = {"package": package, "split": split, "photos": photos, "items": len(rows),
            "item_accuracy": round(float(np.mean([r[1] == r[0] for r in rows])), 4),
            "overruled": len(overruled), "overruled_right": sum(1 for r in overruled if r[1] == r[0]),
            "prefill_min_confidence": cut,
            "now": prefill_counts(rows, familiar, cut), "before_adr_0054": prefill_counts(rows, familiar, cut, before=True)}
    if per_item_cut is not None:
        out["with_a_per_item_cut_off"] = {"cut_off": round(per_item_cut, 4), **prefill_counts(rows, familiar, per_item_cut)}
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ckpt", required=True, help="a shipped model folder or a checkpoint with familiarity fitted")
    ap.add_argument("--set", action="append", required=True, help="PACKAGE:SPLIT (repeatable)")
    ap.add_argument("--cache", default=os.path.join(HERE, "data", "cache"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--per-item-fit-on", help="PACKAGE:SPLIT: also report what a cut-off fitted per item there by ADR "
                                              "0017's rule would prefill (reported only)")
    ap.add_argument("--out")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    model, ck = load_checkpoint(a.ckpt)
    model.eval()
    report = {"checkpoint": a.ckpt, "sets": []}
    per_item = None
    if a.per_item_fit_on:
        package, split = a.per_item_fit_on.rsplit(":", 1)
        per_item = per_item_cut_off(*item_rows(model, ck["calibration"], package, split, a.cache)[:2])
        report["per_item_cut_off"] = {"fitted_on": a.per_item_fit_on, "cut_off": round(per_item, 4),
                                      "rule": "ADR 0017's, on items: at most 10 % of familiar items prefilled wrong"}
    for s in a.set:
        package, split = s.rsplit(":", 1)
        report["sets"].append(study(model, ck["calibration"], package, split, a.cache, per_item))
        print(json.dumps(report["sets"][-1]), flush=True)
    if a.out:
        with open(a.out, "w") as f:
            json.dump(report, f, indent=1)


if __name__ == "__main__":
    main()
