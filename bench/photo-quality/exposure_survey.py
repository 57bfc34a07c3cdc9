"""The survey that chose the over-exposure rule of Vision.PhotoQuality (issue 17; ADR 0030; docs/benchmarks.md, "Photo
quality").

Over-exposure loses the item's detail to white. A share of clipped pixels alone cannot tell it: a product on a white
sweep, or a bright sky behind the item, clips half the photo in a good photo. What differs is the rest of the photo:
in a good photo the pixels that are not clipped keep their darks and middles (the item), in an over-exposed one
they are pushed up too. So the rule has two parts, both read from the luma histogram the dark check already builds
(Rec. 601 luma over a grid of about 512 pixels a side, as PhotoQuality.Luma95 samples it):

    over-exposed  <=>  share of luma >= 250  >=  C   and   median luma of the other pixels  >=  M

Over-exposure is simulated as a camera makes it: the photo to linear light, times 2^stops, clipped, back to sRGB. A
photo counts as over-exposed at a given exposure when at least 20 % of it is newly clipped (a photo that was dark is
merely brighter, not over-exposed, after +2 stops).

No rule on these two numbers flags none of the good photos and still catches most over-exposed ones: bright paper
backgrounds (64 % of a good photo clipped, the rest at median 245) read exactly like a photo two stops over. So the
rule is chosen, and judged, by how rarely it fires on good photos (ADR 0030, written before the results):
* chosen on the selection sets (the samples; the generated test split, synth-v2; the real-content check, realcheck-v2;
  the site check; every other real wallpaper photo): of the grid's pairs that flag at most 0.5 % of the good photos of
  every set, the one that catches most photos two stops over;
* judged on held-out sets (the real-content package's test split, realmix-v1; synth-v2's validation split; the other
  wallpaper photos): it ships if it flags at most 1 % of the good photos of each, and catches at least half of the
  photos two stops over.
Photos are the stored-size copies (long side <= 2048); never the reserved Debian packages (python3-skimage, opencv-doc).

--item-box also asks whether knowing where the item is would do better (the packages' true item boxes, the middle
60 % of the box on each axis): the share of the item clipped. It does not: white items clip in good photos (a
football's panels: 49 % of the item's middle).

    /usr/bin/python3 bench/photo-quality/exposure_survey.py [--data models/training/data] [--item-box]
"""
import argparse
import glob
import io
import os
import sys

import numpy as np
from PIL import Image

from blur_survey import ROOT, stored

CLIPPED = 250
C_GRID = (0.10, 0.15, 0.20, 0.25, 0.30, 0.35, 0.40, 0.50, 0.60)
M_GRID = tuple(range(100, 250, 10))
STOPS = (1.0, 1.5, 2.0, 3.0)


def to_linear(a):
    a = a / 255.0
    return np.where(a <= 0.04045, a / 12.92, ((a + 0.055) / 1.055) ** 2.4)


def to_srgb(linear):
    v = np.clip(linear, 0, 1)
    return np.round(np.where(v <= 0.0031308, v * 12.92, 1.055 * v ** (1 / 2.4) - 0.055) * 255)


def grid(rgb):
    """Every n-th row and column, n = long side // 512 (at least 1): the pixels PhotoQuality.Luma95 looks at."""
    stride = max(1, max(rgb.shape[:2]) // 512)
    return rgb[::stride, ::stride]


def luma(rgb):
    """Rec. 601 luma, integer, as PhotoQuality computes it."""
    g = rgb.astype(np.int64)
    return (299 * g[..., 0] + 587 * g[..., 1] + 114 * g[..., 2]) // 1000


def over_exposed(pixels, stops):
    """The luma of RGB pixels as a camera would have taken them ``stops`` brighter (exposure acts pixel by pixel)."""
    return luma(to_srgb(to_linear(pixels) * 2 ** stops))


def newly_clipped(before, after):
    """The share of the pixels clipped after that were not before."""
    return float(((after >= CLIPPED) & (before < CLIPPED)).mean())


def measures(luma):
    """(share of clipped pixels, median luma of the others) - the median as PhotoQuality takes it: the lowest value
    at which half of the unclipped pixels (rounded up) are counted."""
    clipped = luma >= CLIPPED
    rest = np.sort(luma[~clipped])
    median = int(rest[(len(rest) + 1) // 2 - 1]) if len(rest) else 255
    return float(clipped.mean()), median


def survey(files):
    rows = []
    for f in files:
        pixels = grid(np.asarray(stored(f), dtype=np.float64))   # the grid's pixels are enough: exposure is per pixel
        good = luma(pixels)
        row = {"file": f, "good": measures(good)}
        for s in STOPS:
            y = over_exposed(pixels, s)
            row[s] = measures(y)
            row[f"new{s}"] = newly_clipped(good, y)
        rows.append(row)
    return rows


def flags(m, c, mid):
    return m[0] >= c and m[1] >= mid


def photo_sets(data):
    """(selection sets, held-out sets): name -> files."""
    wallpapers = sorted(set(glob.glob(data + "/real/x/*wallpapers/**/*.jpg", recursive=True)))
    test = lambda package, split="test": sorted(glob.glob(f"{data}/{package}/images/{split}/*.jpg"))
    selection = {
        "samples": sorted(glob.glob(os.path.join(ROOT, "models", "samples", "*.jpg"))),
        "generated (synth-v2 test)": test("synth-v2"),
        "real-content check (realcheck-v2)": test("realcheck-v2"),
        "site check": test("site-check"),
        "wallpaper photos, even": wallpapers[0::2],
    }
    held_out = {
        "real content (realmix-v1 test)": test("realmix-v1"),
        "generated (synth-v2 validation)": test("synth-v2", "validation"),
        "wallpaper photos, odd": wallpapers[1::2],
    }
    return selection, held_out


def catch(rows, stops, c, mid):
    over = [r[stops] for r in rows if r[f"new{stops}"] >= 0.2]
    return sum(flags(m, c, mid) for m in over), len(over)


def inside_item(rgb, box, inset=0.2):
    """The middle of the item's box (normalized x0, y0, x1, y1), ``inset`` of the box in from every side."""
    H, W = rgb.shape[:2]
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    ya, xa = int((y0 + inset * h) * H), int((x0 + inset * w) * W)
    return rgb[ya:max(int((y1 - inset * h) * H), ya + 1), xa:max(int((x1 - inset * w) * W), xa + 1)]


def item_box_survey(data):
    """The share of the item clipped, on the packages' test photos with their true item boxes."""
    sys.path.insert(0, os.path.join(ROOT, "models", "training"))
    from dataset import normalized_item_box
    from package import open_package
    print("\n| photos (true item box) | n | good: most clipped | good flagged at 0.2 / 0.3 / 0.4 | "
          "+2 stops caught at 0.2 / 0.3 / 0.4 |")
    print("|---|--:|---|--:|--:|")
    for name in ("synth-v2", "realcheck-v2", "site-check"):
        pkg = open_package(os.path.join(data, name))
        good, over = [], []
        for smp in pkg.samples("test"):
            box = normalized_item_box(smp)
            if np.isnan(box).any():
                continue
            rgb = np.asarray(Image.open(io.BytesIO(pkg.read_image(smp["file_name"]))).convert("RGB"), np.float64)
            pixels = inside_item(grid(rgb), box)
            y0 = luma(pixels)
            good.append((measures(y0)[0], os.path.basename(smp["file_name"])))
            y = over_exposed(pixels, 2)
            if newly_clipped(y0, y) >= 0.2:
                over.append(measures(y)[0])
        worst = max(good)
        cells = lambda xs: " / ".join(str(sum(x >= c for x in xs)) for c in (0.2, 0.3, 0.4))
        print(f"| {name} | {len(good)} | {worst[0]:.2f} ({worst[1]}) | {cells([g for g, _ in good])} | "
              f"{cells(over)} of {len(over)} |", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.path.join(ROOT, "models", "training", "data"))
    ap.add_argument("--item-box", action="store_true", help="also the share of the item clipped (true item boxes)")
    a = ap.parse_args()
    selection, held_out = photo_sets(a.data)
    chosen_on = {k: survey(v) for k, v in selection.items()}
    judged_on = {k: survey(v) for k, v in held_out.items()}

    def false_alarms(sets, c, mid):
        return {k: sum(flags(r["good"], c, mid) for r in rows) / len(rows) for k, rows in sets.items()}

    pooled = [r for rows in chosen_on.values() for r in rows]
    candidates = [(catch(pooled, 2.0, c, mid)[0], -c, -mid) for c in C_GRID for mid in M_GRID
                  if max(false_alarms(chosen_on, c, mid).values()) <= 0.005]
    _, c, mid = max(candidates)
    c, mid = -c, -mid
    print(f"chosen: clipped share >= {c:g} and median of the rest >= {mid}")
    print("| photos | set | n | good flagged | +1 stop | +1.5 stops | +2 stops | +3 stops |")
    print("|---|---|--:|--:|--:|--:|--:|--:|")
    for label, sets in (("selection", chosen_on), ("held out", judged_on)):
        for name, rows in sets.items():
            cells = ["{}/{}".format(*catch(rows, s, c, mid)) for s in STOPS]
            good = sum(flags(r["good"], c, mid) for r in rows)
            print(f"| {label} | {name} | {len(rows)} | {good}/{len(rows)} | " + " | ".join(cells) + " |", flush=True)
    held = [r for rows in judged_on.values() for r in rows]
    hit, n = catch(held, 2.0, c, mid)
    worst = max(false_alarms(judged_on, c, mid).values())
    print(f"\n(+k stops: flagged / photos at least 20 % newly clipped by that exposure)\nheld out: most good photos "
          f"flagged in a set {worst:.2%} (bar 1 %), +2 stops caught {hit}/{n} = {hit / n:.2f} (bar 0.5): "
          + ("ships" if worst <= 0.01 and hit / n >= 0.5 else "does not ship"))
    flagged = sorted((r["good"][0], r["good"][1], os.path.basename(r["file"])) for rows in
                     list(chosen_on.values()) + list(judged_on.values()) for r in rows if flags(r["good"], c, mid))
    print("good photos flagged:", flagged)
    if a.item_box:
        item_box_survey(a.data)


if __name__ == "__main__":
    main()
