"""Where should the station's prefill cut-off be fitted? (issue 15, REPORT.md "v18")

familiarity.py fits ``prefill_min_confidence`` on all validation photos (two thirds generated-like), where a candidate
is right ~90 % of the time at that confidence; on real photos it is right about half the time there, so a more
confident model prefills more wrong grades. This refits the cut-off, for a checkpoint whose familiarity is already
fitted, on the validation split of one package only (the real-content one) with the same rule (at most
``--max-wrong-prefill`` of the familiar photos prefilled wrong), and reports the real-photo check's trade-off under both
cut-offs. The check is reported only: nothing is fitted or chosen on it.

    OPENBLAS_NUM_THREADS=1 nice -n 19 /usr/bin/python3 prefill_study.py --ckpt ../grader-vit-v1/model.pt \\
        --data data/realmix-v1 --extra data/synth-v2 --fit-on data/realmix-v1 --realcheck data/realcheck-v1
"""
from __future__ import annotations

import argparse
import json
import os

import numpy as np
import torch

from dataset import load_splits
from familiarity import confidences, prefill_threshold, trade_off
from train import load_checkpoint

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ckpt", required=True, help="a checkpoint with familiarity fitted (familiarity.py) or a shipped folder's model.pt")
    ap.add_argument("--data", required=True, help="the package whose validation split familiarity.py used")
    ap.add_argument("--extra", action="append", default=[], help="the other validation packages it used")
    ap.add_argument("--fit-on", required=True, help="the one package whose validation split the cut-off is refitted on")
    ap.add_argument("--realcheck", required=True)
    ap.add_argument("--max-wrong-prefill", type=float, default=0.10)
    ap.add_argument("--cache", default=os.path.join(HERE, "data", "cache"))
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    model, ck = load_checkpoint(a.ckpt)
    model.eval()
    cal = ck["calibration"]
    fam = cal["familiarity"]
    cfg = model.cfg
    parts = {p: load_splits([p], "validation", cfg.input_size, cfg.output_grid, a.cache) for p in [a.data] + a.extra}
    results = {p: confidences(model, cal["temperature"], part) for p, part in parts.items()}
    conf_all = np.concatenate([r[0] for r in results.values()])
    right_all = np.concatenate([r[1] for r in results.values()])
    scores_all = np.concatenate([r[2] for r in results.values()])
    familiar = scores_all >= fam["threshold"]
    as_fitted = prefill_threshold(conf_all[familiar], right_all[familiar], a.max_wrong_prefill)
    conf_f, right_f, scores_f = results[a.fit_on]
    refitted = prefill_threshold(conf_f[scores_f >= fam["threshold"]], right_f[scores_f >= fam["threshold"]],
                                 a.max_wrong_prefill)
    rc = load_splits([a.realcheck], "test", cfg.input_size, cfg.output_grid, a.cache)
    rconf, rright, rscores = confidences(model, cal["temperature"], rc)
    report = {"checkpoint": a.ckpt, "familiarity_threshold": fam["threshold"],
              "prefill_min_confidence": {"stored": fam.get("prefill_min_confidence"), "all_validation": as_fitted,
                                         f"{os.path.basename(a.fit_on.rstrip('/'))} validation only": refitted},
              "validation_right_when_prefilled": {os.path.basename(p.rstrip('/')): round(float(r[1][(r[2] >= fam["threshold"]) & (r[0] >= as_fitted)].mean()), 4)
                                                  for p, r in results.items()},
              "realcheck_all_validation_cutoff": trade_off(rscores, rconf, rright, [fam["threshold"]], as_fitted)[0],
              "realcheck_refitted_cutoff": trade_off(rscores, rconf, rright, [fam["threshold"]], refitted)[0]}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
