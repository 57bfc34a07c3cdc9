"""The survey that chose Vision.PhotoQuality.NoDetailBelow (issue 17; docs/benchmarks.md, "Photo quality").

A photo blurred far past what the blur effect can judge (blur_survey.py) has no textured tile left, and the blur
effect called it sharp. This measures, per photo, the most textured tile's mean neighbour difference (both axes added,
luma 0-255, the tiles and scale of blur_survey.py): the samples and freshly generated photos as they are, and blurred
by sigma = 12, 25 and 40 px at 2048 px; the counts under each candidate cut.

    cd models/training && /usr/bin/python3 synth.py --out /tmp/blurgen --items 80 --seed 29 --workers 2
    /usr/bin/python3 bench/photo-quality/texture_survey.py

Never the reserved Debian packages (python3-skimage, opencv-doc).
"""
import os
import glob, sys
import numpy as np
from PIL import Image, ImageFilter
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from blur_survey import stored, luma_at_most
def strongest(im, side=1024, tiles=6):
    g = luma_at_most(im, side); H, W = g.shape
    return max(sum(np.abs(np.diff(g[ty*H//tiles:(ty+1)*H//tiles, tx*W//tiles:(tx+1)*W//tiles], axis=ax)).mean() for ax in (0, 1))
               for ty in range(tiles) for tx in range(tiles))
sets = {"samples": sorted(glob.glob(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "models", "samples", "*.jpg"))),
        "generated (synth.py seed 29)": sorted(glob.glob("/tmp/blurgen/images/**/*.jpg", recursive=True))}
cuts = [1.0, 1.25, 1.5]
print("| photos | n | sigma | strongest tile: min / p5 / median | " + " | ".join(f"under {c}" for c in cuts) + " |")
print("|---|--:|--:|---|" + "--:|" * len(cuts))
for name, files in sets.items():
    ims = [stored(f) for f in files]
    for s in (0, 12, 25, 40):
        v = [strongest(im if s == 0 else im.filter(ImageFilter.GaussianBlur(s * max(im.size) / 2048))) for im in ims]
        print(f"| {name} | {len(v)} | {s} | {min(v):.2f} / {np.percentile(v,5):.2f} / {np.median(v):.2f} | " + " | ".join(f"{sum(x < c for x in v)}" for c in cuts) + " |", flush=True)
