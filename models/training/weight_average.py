"""Weight-space ensembling (WiSE-FT, Wortsman et al. 2022): theta = (1 - alpha) * theta_start + alpha * theta_tuned.

Fine-tuning on one kind of content moves a model away from what it knew; averaging the fine-tuned weights with the
weights it started from has been measured (in the paper, on ImageNet shifts) to keep much of the fine-tuned gain on the
content it was tuned on and lose less on content it was not. Both checkpoints must be the same network (the tuned one
fine-tuned from the other, so they lie in one basin: averaging unrelated networks gives noise). Floating tensors are
averaged, BatchNorm running statistics too; integer buffers (BatchNorm's batch counters) come from the tuned
checkpoint. The config, calibration and training record are the tuned checkpoint's: calibration and familiarity must be
refitted afterwards (``train.py --calibrate-only``, ``familiarity.py``), since the averaged network is a new one.

    /usr/bin/python3 weight_average.py --start ../grader-vit-v1/model.pt --tuned results/v21/final.pt --alpha 0.5 \\
        --out runs/v23avg/final.pt
"""
from __future__ import annotations

import argparse
import os

import torch


def average_state_dicts(start: dict, tuned: dict, alpha: float) -> dict:
    """(1 - alpha) * start + alpha * tuned for each floating tensor; other tensors from ``tuned``. Same keys and shapes
    required."""
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be in [0, 1], got {alpha}")
    if set(start) != set(tuned):
        raise ValueError(f"the checkpoints hold different tensors: {sorted(set(start) ^ set(tuned))[:5]}")
    out = {}
    for k, t in tuned.items():
        s = start[k]
        if s.shape != t.shape:
            raise ValueError(f"{k}: shape {tuple(s.shape)} against {tuple(t.shape)}")
        out[k] = torch.lerp(s.float(), t.float(), alpha).to(t.dtype) if t.is_floating_point() else t.clone()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--start", required=True, help="the checkpoint fine-tuning started from")
    ap.add_argument("--tuned", required=True, help="the fine-tuned checkpoint")
    ap.add_argument("--alpha", type=float, required=True, help="weight of --tuned (0: --start, 1: --tuned)")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    start = torch.load(a.start, map_location="cpu", weights_only=False)
    tuned = torch.load(a.tuned, map_location="cpu", weights_only=False)
    ck = dict(tuned)
    ck["state_dict"] = average_state_dicts(start["state_dict"], tuned["state_dict"], a.alpha)
    ck["weight_average"] = {"start": a.start, "tuned": a.tuned, "alpha": a.alpha}
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    torch.save(ck, a.out)
    print(f"wrote {a.out}: {a.alpha:g} x {a.tuned} + {1 - a.alpha:g} x {a.start}")


if __name__ == "__main__":
    main()
