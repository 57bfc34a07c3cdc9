"""Where should the grade temperature be fitted? (issue 15's ECE target, REPORT.md "4.0.1")

train.py fits one temperature on all validation photos, two thirds of them generated-like, where the model is right
~90 % of the time; on real photos it is right about half the time at the same confidence, so the real-photo check's
ECE stays near 0.10. This fits the temperature on each candidate set of validation photos (all of them, or one
package's) and reports ECE and NLL under each on the validation packages, the generated test splits and the real-photo
check. Nothing is fitted or chosen on the test splits or the check: they are reported only.

It also reports each set's ECE *noise floor*: the median ECE a perfectly calibrated model with the same confidences
would show on that many photos (each photo right with probability equal to its confidence, 500 draws). On a few
hundred photos the floor is not small, and a target under it cannot be told from chance.

    OPENBLAS_NUM_THREADS=1 nice -n 19 /usr/bin/python3 calibration_study.py --ckpt ../grader-vit-v1/model.pt \\
        --validation data/realmix-v1 --validation data/synth-v2 --test data/synth-v1-test --test data/synth-v1b-test \\
        --test data/synth-v1c-test --realcheck data/realcheck-v1
"""
from __future__ import annotations

import argparse
import json
import os

import numpy as np
import torch

from dataset import load_split
from familiarity import run_model
from metrics import expected_calibration_error, fit_temperature, nll, softmax
from train import load_checkpoint

HERE = os.path.dirname(os.path.abspath(__file__))


def name(path: str) -> str:
    return os.path.basename(path.rstrip("/"))


def ece_noise_floor(probs: np.ndarray, draws: int = 500, seed: int = 0) -> dict:
    """Median and 90th percentile of the ECE of a perfectly calibrated model with these confidences on this many photos."""
    rng = np.random.default_rng(seed)
    pred, conf = probs.argmax(1), probs.max(1)
    eces = []
    for _ in range(draws):
        right = rng.random(len(conf)) < conf
        eces.append(expected_calibration_error(probs, np.where(right, pred, (pred + 1) % probs.shape[1])))
    return {"median": round(float(np.median(eces)), 4), "p90": round(float(np.percentile(eces, 90)), 4)}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--validation", action="append", required=True, help="validation packages (fitted on)")
    ap.add_argument("--test", action="append", default=[], help="test packages (reported only)")
    ap.add_argument("--realcheck", help="the real-photo check (reported only)")
    ap.add_argument("--cache", default=os.path.join(HERE, "data", "cache"))
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    model, ck = load_checkpoint(a.ckpt)
    cfg = model.cfg

    def logits_of(path, split):
        part = load_split(path, split, cfg.input_size, cfg.output_grid, a.cache)
        return run_model(model, part["pixels"])[0], part["grade"]

    val = {name(p): logits_of(p, "validation") for p in a.validation}
    reported = dict(val)
    if a.test:
        tests = [logits_of(p, "test") for p in a.test]
        reported["generated test"] = (np.concatenate([t[0] for t in tests]), np.concatenate([t[1] for t in tests]))
    if a.realcheck:
        reported["real-photo check"] = logits_of(a.realcheck, "test")

    fits = {"all validation": (np.concatenate([v[0] for v in val.values()]), np.concatenate([v[1] for v in val.values()]))}
    fits.update({f"{k} validation": v for k, v in val.items()})
    report = {"checkpoint": a.ckpt, "stored_temperature": ck["calibration"]["temperature"], "fits": {}}
    for fit_name, (lg, y) in fits.items():
        t = fit_temperature(lg, y)
        report["fits"][fit_name] = {
            "temperature": round(t, 4),
            "on": {k: {"ece": round(expected_calibration_error(softmax(l, t), g), 4), "nll": round(nll(l, g, t), 4),
                       "mean_confidence": round(float(softmax(l, t).max(1).mean()), 4),
                       "accuracy": round(float((l.argmax(1) == g).mean()), 4)}
                   for k, (l, g) in reported.items()}}
    t = ck["calibration"]["temperature"]
    report["ece_noise_floor_at_stored_temperature"] = {k: dict(photos=int(len(g)), **ece_noise_floor(softmax(l, t)))
                                                        for k, (l, g) in reported.items()}
    print(json.dumps(report, indent=2))
    if a.out:
        with open(a.out, "w") as f:
            json.dump(report, f, indent=2)


if __name__ == "__main__":
    main()
