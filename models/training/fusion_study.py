"""Candidate Q (issue 15): does what an ImageNet-trained ResNet sees of the item correct the grade head on real content?

4.2.0 already runs three frozen ResNet-18 stages (ImageNet weights from the NuGet package issue 15 names) on every
photo, for its size localizer only. Their feature map is paid for at inference and unused by the grade. This study
asks whether a grade correction that reads it (pooled over the crop the grading network looks at) moves the real-photo
figures, before anyone builds it into the graph. Nothing here trains the network: every photo goes through 4.2.0 once,
and small linear corrections are fitted on top of 4.1.1's grade logits (4.2.0's grade head is 4.1.1's):

    logits = a * grade_logits + W z + b        (a, W, b fitted; z standardized on the fit photos)

with z one of: the ViT's own photo features (the control: what refitting a head on these photos buys without the
ResNet), the ResNet's map pooled inside the crop and over the photo, or both. Fitted on fresh packages 4.1.1 never
saw (``make_data.sh q-fit``); the L2 weight of each chosen on realmix-v1's validation photos by NLL, then its
temperature and prefill cut-off fitted there as 4.1.1's were. The rule that reads the results is REPORT.md
"Candidate Q", committed before this ran.

    OPENBLAS_NUM_THREADS=1 nice -n 19 /usr/bin/python3 fusion_study.py --out results/q/fusion.json
"""
from __future__ import annotations

import argparse
import json
import os

import numpy as np
import torch

from dataset import load_splits, to_tensor
from evaluate import realcheck_of_outputs
from familiarity import prefill_threshold, trade_off
from metrics import fit_temperature, grade_metrics, nll, softmax
from rubric import GRADES
from train import HERE, load_checkpoint

L2_GRID = (1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1)
VARIANTS = ("vit", "resnet", "vit+resnet")


def pooled_in_crop(fmap: torch.Tensor, crop: torch.Tensor) -> torch.Tensor:
    """[N, C, H, W] map over the whole photo and [N, 4] crops (x0, y0, x1, y1 in [0, 1]) -> [N, 3C]: the mean and
    the max over the cells whose centres lie in the crop, and the photo's mean. 4.2.0's crops are at least a quarter
    of the photo's side (crop_min_size), so each holds at least two of the 10 x 10 map's centres on each axis."""
    n, c, h, w = fmap.shape
    cy = (torch.arange(h, dtype=fmap.dtype) + 0.5) / h
    cx = (torch.arange(w, dtype=fmap.dtype) + 0.5) / w
    inside = ((cx.view(1, 1, w) >= crop[:, 0].view(n, 1, 1)) & (cx.view(1, 1, w) <= crop[:, 2].view(n, 1, 1))
              & (cy.view(1, h, 1) >= crop[:, 1].view(n, 1, 1)) & (cy.view(1, h, 1) <= crop[:, 3].view(n, 1, 1)))
    if not bool(inside.flatten(1).any(1).all()):
        raise ValueError("a crop holds no cell centre of the map")
    weights = inside.to(fmap.dtype).unsqueeze(1)
    mean = (fmap * weights).sum((2, 3)) / weights.sum((2, 3))
    peak = fmap.masked_fill(~inside.unsqueeze(1), float("-inf")).amax((2, 3))
    return torch.cat([mean, peak, fmap.mean((2, 3))], dim=1)


@torch.no_grad()
def extract(model, pixels: np.ndarray, batch: int = 32) -> dict:
    """Per photo: 4.2.0's grade and damage logits, familiarity score, ViT features, and the ResNet map pooled."""
    captured = {}
    hook = model.size_localizer.resnet.register_forward_hook(lambda _m, _i, out: captured.__setitem__("map", out))
    rows = {k: [] for k in ("grade", "damage", "familiarity", "vit", "resnet")}
    try:
        for i in range(0, len(pixels), batch):
            grade, damage, fam = model(to_tensor(pixels[i:i + batch]), return_familiarity=True)
            model.item_box()   # runs the size localizer, whose ResNet stages the hook reads
            crop = model.crop_of(model._item_box)
            for k, v in (("grade", grade), ("damage", damage), ("familiarity", fam), ("vit", model.features()),
                         ("resnet", pooled_in_crop(captured["map"], crop))):
                rows[k].append(v.numpy())
    finally:
        hook.remove()
    return {k: np.concatenate(v) for k, v in rows.items()}


def inputs(out: dict, variant: str) -> np.ndarray:
    return np.concatenate([out[k] for k in variant.split("+")], axis=1)


def fit_correction(grade, z, y, l2: float):
    """(a, W, b) minimising cross-entropy of a * grade + z W^T + b plus l2 * |W|^2 (float64 LBFGS)."""
    g = torch.tensor(grade, dtype=torch.float64)
    x = torch.tensor(z, dtype=torch.float64)
    t = torch.tensor(y, dtype=torch.long)
    a = torch.ones(1, dtype=torch.float64, requires_grad=True)
    w = torch.zeros(len(GRADES), x.shape[1], dtype=torch.float64, requires_grad=True)
    b = torch.zeros(len(GRADES), dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([a, w, b], lr=1.0, max_iter=500, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(a * g + x @ w.T + b, t) + l2 * (w * w).sum()
        loss.backward()
        return loss
    opt.step(closure)
    return float(a), w.detach().numpy(), b.detach().numpy()


class Correction:
    def __init__(self, variant: str, fit: dict, y: np.ndarray, l2: float):
        z = inputs(fit, variant)
        self.variant, self.l2 = variant, l2
        self.mean, self.std = z.mean(0), z.std(0) + 1e-6
        self.a, self.w, self.b = fit_correction(fit["grade"], (z - self.mean) / self.std, y, l2)

    def logits(self, out: dict) -> np.ndarray:
        return self.a * out["grade"] + ((inputs(out, self.variant) - self.mean) / self.std) @ self.w.T + self.b


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=os.path.join(HERE, "..", "grader-vit-v1"))
    ap.add_argument("--fit", action="append", default=None, help="train splits to fit on (default: q-fit's packages)")
    ap.add_argument("--select", default="data/realmix-v1", help="validation split: L2, temperature, prefill cut-off")
    ap.add_argument("--realcheck", default="data/realcheck-v2")
    ap.add_argument("--site-check", default="data/site-check")
    ap.add_argument("--synth-test", action="append", default=None)
    ap.add_argument("--cache", default=os.path.join(HERE, "data", "cache"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    a.fit = a.fit or ["data/realmix-q1", "data/synth-q1"]
    a.synth_test = a.synth_test or ["data/synth-v1-test", "data/synth-v1b-test", "data/synth-v1c-test"]
    torch.set_num_threads(a.threads)
    model, ck = load_checkpoint(a.model)
    model.eval()
    cal = ck["calibration"]
    fam_threshold = cal["familiarity"]["threshold"]
    cfg = model.cfg

    def load(packages, split):
        d = load_splits(packages, split, cfg.input_size, cfg.output_grid, a.cache)
        return d, extract(model, d["pixels"])

    fit_d, fit_out = load(a.fit, "train")
    sel_d, sel_out = load([a.select], "validation")
    report = {"model": a.model, "fit": a.fit,
              "fit_photos": int(len(fit_d["grade"])), "select": a.select, "variants": {}}

    # each variant's L2 weight by validation NLL at its own fitted temperature; then its cut-off as 4.1.1's was fitted
    chosen = {}
    for variant in VARIANTS:
        trials = []
        for l2 in L2_GRID:
            c = Correction(variant, fit_out, fit_d["grade"], l2)
            lg = c.logits(sel_out)
            t = fit_temperature(lg, sel_d["grade"])
            trials.append((nll(lg, sel_d["grade"], t), l2, c, t))
        best = min(trials, key=lambda r: r[0])
        chosen[variant] = {"correction": best[2], "temperature": best[3]}
        report["variants"][variant] = {"l2_by_validation_nll": {f"{r[1]:g}": round(float(r[0]), 4) for r in trials},
                                       "l2": best[1], "a": round(best[2].a, 4), "temperature": round(best[3], 4)}
        print(f"{variant}: l2 {best[1]:g}, validation NLL {best[0]:.4f}", flush=True)

    def prefill_cutoff(logits, t):
        p = softmax(logits, t)
        familiar = sel_out["familiarity"] >= fam_threshold
        return prefill_threshold(p.max(1)[familiar], (p.argmax(1) == sel_d["grade"])[familiar], 0.10)

    shipped = {"logits": lambda out: out["grade"], "temperature": cal["temperature"],
               "cutoff": cal["familiarity"]["prefill_min_confidence"]}
    models = {"4.1.1": shipped}
    for variant, c in chosen.items():
        corr = c["correction"]
        models[variant] = {"logits": corr.logits, "temperature": c["temperature"],
                           "cutoff": prefill_cutoff(corr.logits(sel_out), c["temperature"])}

    def grade_figures(m, d, out):
        gm = grade_metrics(m["logits"](out), d["grade"], m["temperature"], len(GRADES))
        return {k: round(gm[k], 4) for k in ("accuracy", "quadratic_weighted_kappa", "ece", "nll")}

    report["validation"] = {name: dict(grade_figures(m, sel_d, sel_out), prefill_min_confidence=round(m["cutoff"], 4))
                            for name, m in models.items()}
    print(json.dumps(report["validation"], indent=1), flush=True)

    for key, package in (("realcheck", a.realcheck), ("site_check", a.site_check)):
        d, out = load([package], "test")
        report[key] = {}
        for name, m in models.items():
            lg = m["logits"](out)
            rc = realcheck_of_outputs(lg, out["damage"], out["familiarity"], d, dict(cal, temperature=m["temperature"]),
                                      package, cfg.output_grid)
            p = softmax(lg, m["temperature"])
            prefill = trade_off(out["familiarity"], p.max(1), p.argmax(1) == d["grade"], [fam_threshold], m["cutoff"])[0]
            rc.pop("by_object")
            rc.pop("confusion")
            report[key][name] = dict(rc, prefill=prefill)
            print(key, name, {k: rc[k] for k in ("clean_called_clean", "heavy_called_damaged",
                                                 "heavy_graded_worse_than_clean", "confidently_wrong", "ece")},
                  prefill["wrong_prefills_per_100_photos"], flush=True)

    d, out = load(a.synth_test, "test")
    report["generated_tests"] = {name: grade_figures(m, d, out) for name, m in models.items()}
    report["generated_tests_photos"] = int(len(d["grade"]))
    print(json.dumps(report["generated_tests"], indent=1), flush=True)
    candidate = max(("resnet", "vit+resnet"),
                    key=lambda v: (report["validation"][v]["quadratic_weighted_kappa"], v == "resnet"))
    report["candidate"] = candidate
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out, "w") as f:
        json.dump(report, f, indent=1)


if __name__ == "__main__":
    main()
