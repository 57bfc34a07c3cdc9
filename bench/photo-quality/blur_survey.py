"""The survey that chose the blur threshold of Vision.PhotoQuality (issue 17; docs/benchmarks.md, "Photo quality").

Crete et al. 2007, "The blur effect": re-blur the luma with a 9-pixel box along each axis and measure how much of
the difference between neighbouring pixels survives; a sharp photo loses most of it, a blurred one little. Per tile (6 x 6
over the photo shrunk by a whole factor to long side <= 1024, never enlarged), the larger of the two axes; tiles with a mean neighbour
difference of 2 or less (both axes added) have too little texture to judge; the photo's score is its sharpest textured
tile's (0 when none is textured). PhotoQuality.BlurEffect is the same measure in C#; PhotoQualityTests checks the two
agree on the sample photos.

Photos: the stored-size copies (long side <= 2048) of models/samples and of the training kit's packages (generated
test split, real-content check, site check) and real wallpaper photos fetched by realsrc.py. Never the reserved
Debian packages (python3-skimage, opencv-doc). Each photo as it is and blurred by sigma = 3 and 5 px at 2048 px.

    /usr/bin/python3 bench/photo-quality/blur_survey.py [--data models/training/data] [--threshold 0.5]
"""
import argparse
import glob
import os
import random

import numpy as np
from PIL import Image, ImageFilter

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))


def stored(path):
    im = Image.open(path).convert("RGB")
    s = 2048 / max(im.size)
    return im.resize((round(im.width * s), round(im.height * s)), Image.BILINEAR) if s < 1 else im


def box_mean(a, h, axis):
    pad = [(h // 2, h // 2) if i == axis else (0, 0) for i in range(2)]
    c = np.cumsum(np.pad(a, pad, mode="edge"), axis=axis)
    c = np.concatenate([np.zeros_like(np.take(c, [0], axis=axis)), c], axis=axis)
    n = a.shape[axis]
    return (np.take(c, range(h, h + n), axis=axis) - np.take(c, range(0, n), axis=axis)) / h


def luma_at_most(im, side):
    """Rec. 601 luma (integer, as Pillow's "L"), each pixel the mean of an n x n block, n the smallest whole factor that
    brings the long side to `side` or less - what PhotoQuality.LumaAtMost does."""
    rgb = np.asarray(im, dtype=np.int64)
    n = -(-max(im.size) // side)
    h, w = rgb.shape[0] // n, rgb.shape[1] // n
    y = 299 * rgb[..., 0] + 587 * rgb[..., 1] + 114 * rgb[..., 2]
    return (y[:h * n, :w * n].reshape(h, n, w, n).sum(axis=(1, 3)) // (1000 * n * n)).astype(np.float64)


def blur_effect(im, side=1024, window=9, tiles=6, textured=2.0):
    g = luma_at_most(im, side)
    H, W = g.shape
    sharpest = None
    for ty in range(tiles):
        for tx in range(tiles):
            t = g[ty * H // tiles:(ty + 1) * H // tiles, tx * W // tiles:(tx + 1) * W // tiles]
            blur, strength = [], 0.0
            for ax in (0, 1):
                df = np.abs(np.diff(t, axis=ax))
                db = np.abs(np.diff(box_mean(t, window, ax), axis=ax))
                sf, sv = df.sum(), np.maximum(0, df - db).sum()
                strength += sf / df.size
                blur.append((sf - sv) / sf if sf > 0 else 1.0)
            if strength > textured:
                sharpest = max(blur) if sharpest is None else min(sharpest, max(blur))
    return 0.0 if sharpest is None else sharpest


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.path.join(ROOT, "models", "training", "data"))
    ap.add_argument("--threshold", type=float, default=0.5)
    ap.add_argument("--seed", type=int, default=3)
    a = ap.parse_args()
    random.seed(a.seed)
    pick = lambda pattern, n: random.sample(sorted(glob.glob(pattern, recursive=True)), n)
    sets = {
        "samples": sorted(glob.glob(os.path.join(ROOT, "models", "samples", "*.jpg"))),
        "generated (synth-v1 test)": pick(a.data + "/synth-v1-test/images/test/*.jpg", 60),
        "real-content check": pick(a.data + "/realcheck-v1/images/test/*.jpg", 60),
        "site check": pick(a.data + "/site-check/images/test/*.jpg", 40),
        "wallpaper photos": pick(a.data + "/real/x/*wallpapers/**/*.jpg", 30),
    }
    print(f"| photos | n | as they are: max / p95 / median | flagged | sigma 3: flagged | sigma 5: flagged |")
    print("|---|--:|---|--:|--:|--:|")
    for name, files in sets.items():
        good, b3, b5 = [], [], []
        for f in files:
            im = stored(f)
            k = max(im.size) / 2048
            good.append(blur_effect(im))
            b3.append(blur_effect(im.filter(ImageFilter.GaussianBlur(3 * k))))
            b5.append(blur_effect(im.filter(ImageFilter.GaussianBlur(5 * k))))
        over = lambda xs: f"{sum(x > a.threshold for x in xs)}/{len(xs)}"
        print(f"| {name} | {len(files)} | {max(good):.3f} / {np.percentile(good, 95):.3f} / {np.median(good):.3f} | "
              f"{over(good)} | {over(b3)} | {over(b5)} |", flush=True)


if __name__ == "__main__":
    main()
