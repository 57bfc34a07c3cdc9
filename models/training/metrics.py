"""Grade metrics and temperature scaling."""
from __future__ import annotations

import numpy as np
import torch


def softmax(logits, temperature: float = 1.0):
    z = np.asarray(logits, dtype=np.float64) / temperature
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def confusion(y_true, y_pred, k: int) -> np.ndarray:
    m = np.zeros((k, k), np.int64)
    for t, p in zip(y_true, y_pred):
        m[int(t), int(p)] += 1
    return m


def quadratic_weighted_kappa(y_true, y_pred, k: int) -> float:
    o = confusion(y_true, y_pred, k).astype(np.float64)
    n = o.sum()
    if n == 0:
        return float("nan")
    w = np.array([[(i - j) ** 2 for j in range(k)] for i in range(k)], np.float64) / (k - 1) ** 2
    e = np.outer(o.sum(1), o.sum(0)) / n
    den = (w * e).sum()
    return float(1.0 - (w * o).sum() / den) if den > 0 else 1.0


def expected_calibration_error(probs, y_true, bins: int = 15) -> float:
    """ECE of the top-class confidence with `bins` equal-width bins over (0, 1]."""
    probs = np.asarray(probs)
    conf = probs.max(1)
    pred = probs.argmax(1)
    correct = (pred == np.asarray(y_true)).astype(np.float64)
    edges = np.linspace(0, 1, bins + 1)
    ece = 0.0
    for lo, hi in zip(edges[:-1], edges[1:]):
        sel = (conf > lo) & (conf <= hi)
        if sel.any():
            ece += sel.mean() * abs(correct[sel].mean() - conf[sel].mean())
    return float(ece)


def nll(logits, y, temperature: float) -> float:
    p = softmax(logits, temperature)
    return float(-np.log(np.clip(p[np.arange(len(y)), np.asarray(y)], 1e-12, 1)).mean())


def fit_temperature(logits, y) -> float:
    """Temperature minimising validation NLL (LBFGS on log T, then a guard against a bad optimum)."""
    lg = torch.tensor(np.asarray(logits), dtype=torch.float64)
    yt = torch.tensor(np.asarray(y), dtype=torch.long)
    log_t = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([log_t], lr=0.1, max_iter=200)

    def closure():
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(lg / log_t.exp(), yt)
        loss.backward()
        return loss

    opt.step(closure)
    t = float(log_t.exp())
    grid = np.exp(np.linspace(np.log(0.2), np.log(10), 200))
    t_grid = float(grid[np.argmin([nll(logits, y, g) for g in grid])])
    t = t if np.isfinite(t) and nll(logits, y, t) <= nll(logits, y, t_grid) else t_grid
    return float(min(max(t, 0.2), 10.0))


def grade_metrics(logits, y, temperature: float, k: int) -> dict:
    probs = softmax(logits, temperature)
    pred = probs.argmax(1)
    y = np.asarray(y)
    return {"n": int(len(y)), "accuracy": float((pred == y).mean()),
            "quadratic_weighted_kappa": quadratic_weighted_kappa(y, pred, k),
            "ece": expected_calibration_error(probs, y), "nll": nll(logits, y, temperature),
            "ece_uncalibrated": expected_calibration_error(softmax(logits, 1.0), y),
            "within_one_grade": float((np.abs(pred - y) <= 1).mean()),
            "confusion": confusion(y, pred, k).tolist()}
