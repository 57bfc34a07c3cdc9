"""Familiarity: does a photo look like the photos the model was trained on? Fit it into a checkpoint.

    OPENBLAS_NUM_THREADS=1 nice -n 19 /usr/bin/python3 familiarity.py --ckpt runs/v15/final.pt \
        --data data/realmix-v1 --extra data/synth-v2 --out runs/v15fam

The model's feature of a photo is its final class token and its mean patch token (model.features(), mirror-averaged
like the outputs). This script collects it for up to --fit-photos training photos (whole photos, as the app feeds
them), fits their mean and a shrunk covariance (Ledoit-Wolf-style: (1 - s) * C + s * tr(C) / d * I, s = --shrinkage),
and stores the mean and the whitening matrix C^-1/2 as buffers of the model (cfg.familiarity = True), so the ONNX
graph computes the score itself: -mean((C^-1/2 (f - mean))^2), about -1 for a typical training photo.

The threshold is a quantile of the validation photos' scores: --familiar-rate (default 0.99) of them are familiar.
The station prefills a suggestion only when it is familiar and its confidence reaches prefill_min_confidence: the
lowest confidence at which at most --max-wrong-prefill (default 0.10) of the prefilled familiar validation photos
would be prefilled with a wrong grade, counted on the validation split of --prefill-fit-on (default: all packages).
Fit it on the real-content package: there a model is right about as often as on real photos, while on generated-like
photos it is right ~90 % of the time at the same confidence, so a cut-off fitted on those prefills wrong grades on
real photos (REPORT.md "4.0.1"). --keep-statistics refits only that cut-off and keeps the checkpoint's fitted
statistics and threshold (a shipped model whose prefilling is being corrected). Both are written to the checkpoint's calibration and, by export.py, to the
manifest; the trade-off table (rates per threshold, on validation and on realcheck when given) goes to --report.
"""
from __future__ import annotations

import argparse
import json
import os

import numpy as np
import torch

from dataset import concat_splits, load_split, load_splits, to_tensor
from metrics import softmax
from model import GraderViT, ModelConfig
from train import load_checkpoint

HERE = os.path.dirname(os.path.abspath(__file__))


@torch.no_grad()
def run_model(model, pixels: np.ndarray, batch: int = 64):
    """Grade logits, features and (for a fitted model) familiarity scores of preprocessed photos."""
    model.eval()
    logits, feats, scores = [], [], []
    for i in range(0, len(pixels), batch):
        out = model(to_tensor(pixels[i:i + batch]), return_familiarity=model.cfg.familiarity)
        logits.append(out[0].numpy())
        feats.append(model.features().numpy())
        if model.cfg.familiarity:
            scores.append(out[2].numpy())
    return (np.concatenate(logits), np.concatenate(feats),
            np.concatenate(scores) if scores else None)


def confidences(model, temperature: float, part: dict):
    """(calibrated confidence, whether the top grade is right, familiarity score) per photo of a loaded split."""
    logits, _, scores = run_model(model, part["pixels"])
    probs = softmax(logits, temperature)
    return probs.max(1), probs.argmax(1) == part["grade"], scores


def fit_statistics(features: np.ndarray, shrinkage: float):
    """(mean, whitening matrix W) with W = C_s^-1/2 for the shrunk covariance C_s; float64 maths, float32 out."""
    f = features.astype(np.float64)
    return f.mean(0).astype(np.float32), whitening(np.cov(f, rowvar=False), shrinkage)


def whitening(cov: np.ndarray, shrinkage: float) -> np.ndarray:
    """C_s^-1/2 (symmetric) of the covariance shrunk towards its mean variance: (1 - s) * C + s * tr(C) / d * I."""
    d = cov.shape[0]
    cov = (1 - shrinkage) * cov + shrinkage * np.trace(cov) / d * np.eye(d)
    vals, vecs = np.linalg.eigh(cov)
    return (vecs @ np.diag(1.0 / np.sqrt(np.maximum(vals, 1e-12))) @ vecs.T).astype(np.float32)


def blend_statistics(prior_mean: np.ndarray, prior_whiten: np.ndarray, prior_n: int, features: np.ndarray,
                     shrinkage: float):
    """(mean, whitening) of the mixture of the prior Gaussian (n = prior_n; its covariance is (W W)^-1 for the
    symmetric whitening W) and the new features: pooled mean, pooled covariance including the means' spread."""
    f = features.astype(np.float64)
    n, m = len(f), prior_n
    p_mean = prior_mean.astype(np.float64)
    p_cov = np.linalg.inv(prior_whiten.astype(np.float64) @ prior_whiten.astype(np.float64))
    n_mean = f.mean(0)
    n_cov = np.cov(f, rowvar=False) if n > 1 else np.zeros_like(p_cov)
    mean = (m * p_mean + n * n_mean) / (m + n)
    cov = (m * (p_cov + np.outer(p_mean - mean, p_mean - mean)) + n * (n_cov + np.outer(n_mean - mean, n_mean - mean))) / (m + n)
    return mean.astype(np.float32), whitening(cov, shrinkage)


def with_familiarity(model, mean: np.ndarray, whiten: np.ndarray):
    """A copy of the model with cfg.familiarity on and the statistics loaded."""
    cfg = ModelConfig.from_dict(dict(model.cfg.to_dict(), familiarity=True))
    fitted = GraderViT(cfg)
    state = {k: v for k, v in model.state_dict().items() if not k.startswith("familiarity_")}
    state["familiarity_mean"] = torch.from_numpy(mean)
    state["familiarity_whiten"] = torch.from_numpy(whiten)
    fitted.load_state_dict(state)
    return fitted.eval()


def prefill_threshold(conf: np.ndarray, right: np.ndarray, max_wrong: float) -> float:
    """The lowest confidence c such that, of the photos with confidence >= c, at most max_wrong are wrong."""
    order = np.argsort(-conf)
    wrong_rate = np.cumsum(~right[order]) / np.arange(1, len(order) + 1)
    ok = np.nonzero(wrong_rate <= max_wrong)[0]
    if len(ok) == 0:
        return 1.0
    return float(conf[order][ok.max()])


def trade_off(scores, conf, right, thresholds, min_conf) -> list:
    rows = []
    for t in thresholds:
        fam = scores >= t
        pre = fam & (conf >= min_conf)
        rows.append({"threshold": round(float(t), 4), "familiar": round(float(fam.mean()), 4),
                     "prefilled": round(float(pre.mean()), 4),
                     "wrong_prefill_share_of_prefilled": round(float((~right[pre]).mean()) if pre.any() else 0.0, 4),
                     "wrong_prefills_per_100_photos": round(100 * float((pre & ~right).mean()), 2)})
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ckpt", required=True, help="final.pt (calibrated) or a shipped model folder")
    ap.add_argument("--data", required=True, help="package whose train split is fitted and validation split thresholds")
    ap.add_argument("--extra", action="append", default=[], help="more packages, used the same way (repeatable)")
    ap.add_argument("--realcheck", help="the real-photo check package: reported in the trade-off table only "
                                        "(never fitted on, never used to choose the threshold)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--fit-photos", type=int, default=4000, help="training photos per package at most")
    ap.add_argument("--shrinkage", type=float, default=0.1)
    ap.add_argument("--familiar-rate", type=float, default=0.99)
    ap.add_argument("--max-wrong-prefill", type=float, default=0.10)
    ap.add_argument("--prefill-fit-on", help="the package (one of --data/--extra) whose familiar validation photos the "
                                             "prefill cut-off is fitted on; default: all of them")
    ap.add_argument("--keep-statistics", action="store_true",
                    help="keep the checkpoint's fitted statistics and threshold; refit only the prefill cut-off")
    ap.add_argument("--cache", default=os.path.join(HERE, "data", "cache"))
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    model, ck = load_checkpoint(a.ckpt)
    cal = ck["calibration"]
    cfg = model.cfg
    packages = [a.data] + a.extra
    if a.prefill_fit_on and a.prefill_fit_on not in packages:
        ap.error("--prefill-fit-on must name one of the --data/--extra packages")
    if a.keep_statistics:
        if not (cfg.familiarity and cal.get("familiarity")):
            ap.error("--keep-statistics needs a checkpoint whose familiarity is already fitted")
        refit_cutoff_only(a, model, cal, ck, packages)
        return
    fit_parts = [load_splits([p], "train", cfg.input_size, cfg.output_grid, a.cache) for p in packages]
    rng = np.random.default_rng(0)
    fit_feats = []
    for part in fit_parts:
        idx = np.sort(rng.permutation(len(part["grade"]))[:a.fit_photos])
        fit_feats.append(run_model(model, part["pixels"][idx])[1])
    feats = np.concatenate(fit_feats)
    prior = cal.get("familiarity_prior") or (cal.get("familiarity") if cfg.familiarity else None)
    if prior and cfg.familiarity and prior.get("fit_photos"):
        # a fine-tuned model (retrain.py): its buffers hold the statistics of the photos it was first trained on,
        # which a site's export does not contain; blend them in so those photos stay familiar
        mean, whiten = blend_statistics(model.familiarity_mean.numpy(), model.familiarity_whiten.numpy(),
                                        int(prior["fit_photos"]), feats, a.shrinkage)
        fit_photos = int(prior["fit_photos"]) + len(feats)
        fitted_on_prior = f"; blended with the earlier fit ({prior['fitted_on']})"
    else:
        mean, whiten = fit_statistics(feats, a.shrinkage)
        fit_photos, fitted_on_prior = len(feats), ""
    fitted = with_familiarity(model, mean, whiten)

    val, on = load_validation(a, packages, cfg)
    conf, right, scores = confidences(fitted, cal["temperature"], val)
    threshold = float(np.quantile(scores, 1 - a.familiar_rate))
    fam = scores >= threshold
    min_conf = prefill_threshold(conf[fam & on], right[fam & on], a.max_wrong_prefill)
    report = {"fit_photos": fit_photos, "validation_photos": int(len(scores)),
              "threshold": threshold, "prefill_min_confidence": min_conf,
              "validation_score_quantiles": {q: round(float(np.quantile(scores, q)), 4)
                                             for q in (0.001, 0.01, 0.05, 0.5, 0.95)},
              "validation": trade_off(scores, conf, right, np.quantile(scores, [0.0, 0.005, 0.01, 0.02, 0.05, 0.1]),
                                      min_conf)}
    if a.realcheck:
        rc = load_splits([a.realcheck], "test", cfg.input_size, cfg.output_grid, a.cache)
        rconf, rright, rs = confidences(fitted, cal["temperature"], rc)
        report["realcheck"] = trade_off(rs, rconf, rright, [r["threshold"] for r in report["validation"]], min_conf)
        report["realcheck_familiar_at_threshold"] = round(float((rs >= threshold).mean()), 4)
    cal = {k: v for k, v in cal.items() if k != "familiarity_prior"}
    cal = dict(cal, familiarity={
        "method": f"Mahalanobis distance of the final class token + mean patch token (d={fitted.feature_dim}) to "
                  f"the training photos' mean, shrunk covariance (s={a.shrinkage}), divided by d and negated",
        "fitted_on": f"{len(feats)} training photos of " + ", ".join(os.path.basename(p.rstrip('/'))
                                                                       for p in packages) + fitted_on_prior,
        "fit_photos": fit_photos,
        "threshold": threshold,
        "threshold_rule": f"{a.familiar_rate:.0%} of the validation photos ({len(scores)}) are familiar",
        "validation_familiar_rate": round(float(fam.mean()), 4),
        "prefill_min_confidence": round(min_conf, 4),
        "prefill_rule": prefill_rule(a, packages)})
    save(a, dict(ck, config=fitted.cfg.to_dict(), state_dict=fitted.state_dict(), calibration=cal), report)


def load_validation(a, packages, cfg):
    """All packages' validation photos, and which of them the prefill cut-off is fitted on (--prefill-fit-on)."""
    parts = [load_split(p, "validation", cfg.input_size, cfg.output_grid, a.cache) for p in packages]
    on = np.concatenate([np.full(len(part["grade"]), not a.prefill_fit_on or p == a.prefill_fit_on)
                         for p, part in zip(packages, parts)])
    return concat_splits(parts), on


def prefill_rule(a, packages) -> str:
    fitted_on = os.path.basename(a.prefill_fit_on.rstrip("/")) + "'s" if a.prefill_fit_on else "the"
    return (f"lowest confidence at which at most {a.max_wrong_prefill:.0%} of {fitted_on} familiar validation "
            "photos prefilled would carry a wrong grade")


def refit_cutoff_only(a, model, cal, ck, packages):
    """The checkpoint's statistics and familiarity threshold stay; only prefill_min_confidence is refitted."""
    cfg = model.cfg
    fam_cal = cal["familiarity"]
    val, on = load_validation(a, packages, cfg)
    conf, right, scores = confidences(model, cal["temperature"], val)
    fam = scores >= fam_cal["threshold"]
    min_conf = prefill_threshold(conf[fam & on], right[fam & on], a.max_wrong_prefill)
    report = {"kept": {"threshold": fam_cal["threshold"], "fitted_on": fam_cal["fitted_on"]},
              "prefill_min_confidence": {"before": fam_cal.get("prefill_min_confidence"), "refitted": min_conf},
              "validation_photos_fitted_on": int((fam & on).sum()),
              "validation": trade_off(scores, conf, right, [fam_cal["threshold"]], min_conf)}
    if a.realcheck:
        rc = load_splits([a.realcheck], "test", cfg.input_size, cfg.output_grid, a.cache)
        rconf, rright, rs = confidences(model, cal["temperature"], rc)
        report["realcheck"] = trade_off(rs, rconf, rright, [fam_cal["threshold"]], min_conf)
    cal = dict(cal, familiarity=dict(fam_cal, prefill_min_confidence=round(min_conf, 4),
                                     prefill_rule=prefill_rule(a, packages)))
    save(a, dict(ck, calibration=cal), report)


def save(a, ck, report):
    os.makedirs(a.out, exist_ok=True)
    torch.save(ck, os.path.join(a.out, "final.pt"))
    with open(os.path.join(a.out, "familiarity.json"), "w") as f:
        json.dump(report, f, indent=2)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
