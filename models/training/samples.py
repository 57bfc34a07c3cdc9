"""Copy a few held-out (test split) photos of a package into models/samples/ with a README of their truth.

    /usr/bin/python3 samples.py --data data/synth-v1 --out ../samples [--model ../grader-vit-v1]

With --model, the README also lists what the shipped model suggests for each photo (PyTorch, same
preprocessing as the app), so a newcomer can compare the station's output with it.
"""
from __future__ import annotations

import argparse
import os

import numpy as np
import torch

from dataset import preprocess_image, to_tensor
from metrics import softmax
from package import open_package
from regions import regions_from_probs, sigmoid
from rubric import DAMAGE_TYPES, GRADES

# grades wanted, in order (two of the common ones, one or two of the others)
WANTED = ["LikeNew", "VeryGood", "VeryGood", "Good", "Good", "Acceptable", "Acceptable", "Unsellable", "Unsellable"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--model")
    ap.add_argument("--max-bytes", type=int, default=300_000)
    a = ap.parse_args()
    pkg = open_package(a.data)
    test = pkg.samples("test")
    chosen, used_items, want = [], set(), list(WANTED)
    rng = np.random.default_rng(0)
    for i in rng.permutation(len(test)):
        s = test[int(i)]
        g = GRADES[s["grade_index"]]
        if g in want and s["item_id"] not in used_items and len(pkg.read_image(s["file_name"])) <= a.max_bytes:
            has_scratch = any(DAMAGE_TYPES[t["type"]] == "scratch" for t in s["annotations"])
            # the first VeryGood sample is a (thin) scratch: the hardest damage to see
            if g != "VeryGood" or has_scratch or want.count("VeryGood") == 1:
                chosen.append(s)
                used_items.add(s["item_id"])
                want.remove(g)
        if not want:
            break
    chosen.sort(key=lambda s: s["grade_index"])
    os.makedirs(a.out, exist_ok=True)
    model = cal = None
    if a.model:
        from train import load_checkpoint
        model, ck = load_checkpoint(a.model)
        model.eval()
        cal = ck["calibration"]
    lines = ["# Sample photos", "",
             "Synthetic returned-item photos from the **test split** of the generated package (never seen in training),",
             f"made by `models/training/synth.py` (package fingerprint `{pkg.fingerprint()}`). Upload them on the grading",
             "station to try it without real items. Boxes are `[x, y, w, h]` in the photo's pixels.", "",
             "| file | size | true grade | true damage |" + (" model suggestion (PyTorch) |" if model else ""),
             "|---|---|---|---|" + ("---|" if model else "")]
    for k, s in enumerate(chosen):
        g = GRADES[s["grade_index"]]
        name = f"{k + 1:02d}-{g.lower()}.jpg"
        data = pkg.read_image(s["file_name"])
        with open(os.path.join(a.out, name), "wb") as f:
            f.write(data)
        dmg = "; ".join(f"{DAMAGE_TYPES[t['type']]} {[int(v) for v in t['bbox']]}" for t in s["annotations"]) or "none"
        row = f"| `{name}` | {s['width']}×{s['height']}, {len(data) // 1024} KB | {g} | {dmg} |"
        if model:
            with torch.no_grad():
                gl, dl = model(to_tensor(preprocess_image(data, model.cfg.input_size)[None]))
            p = softmax(gl.numpy(), cal["temperature"])[0]
            regs = regions_from_probs(sigmoid(dl[0].numpy()), model.cfg.output_grid, model.cfg.output_grid,
                                      s["width"], s["height"], cal["thresholds"], cal["min_cells"])
            rtxt = ", ".join(f"{r['type']} {r['score']:.2f}" for r in regs) or "no regions"
            row += f" {GRADES[int(p.argmax())]} ({p.max():.2f}); {rtxt} |"
        lines.append(row)
        print(row)
    lines += ["", "The suggestions show the shipped model's real behaviour, false positives included (it misses its accuracy and recall targets; see models/grader-vit-v1/MODEL_CARD.md). "
              "Regenerate with `cd models/training && /usr/bin/python3 samples.py --data data/synth-v1 --out ../samples --model ../grader-vit-v1`.", ""]
    with open(os.path.join(a.out, "README.md"), "w") as f:
        f.write("\n".join(lines))


if __name__ == "__main__":
    main()
