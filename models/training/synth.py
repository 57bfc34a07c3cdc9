"""Synthetic returned-item photos with exact damage masks, written as a dataset package.

Usage:
    /usr/bin/python3 synth.py --out data/synth-v1 --items 3000 --seed 1 [--workers 2] [--zip]

Every item is a parametric product (box, device, bowl, shoe, bag, bottle, book) with a material and
colour, carrying 0-3 damage instances drawn from rubric v1 (see rubric.py). Each item is photographed
2-3 times: a new background, pose, scale, lighting, shadow, blur, noise and JPEG quality per view.
All damage is on the visible face, so every view of an item shows all of its damage and carries the
item's grade. Damage masks are exact (they are the pixels the damage was painted into).

The package layout is documented in docs/dataset-package.md; package.py writes it.
"""
from __future__ import annotations

import argparse
import io
import math
import os
import time
from multiprocessing import Pool

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from package import PackageWriter, split_for
from rubric import DAMAGE_TYPES, GRADE_POINT_RANGES, GRADES, SEVERITY_POINTS, grade_from_damage

PRODUCTS = ["box", "device", "bowl", "shoe", "bag", "bottle", "book"]
MATERIALS = ["matte", "glossy", "textured", "patterned"]
PHOTO_SIZES = [((1024, 768), 0.6), ((768, 1024), 0.25), ((896, 896), 0.15)]

# Damage sizes are fractions of the item canvas side (the item fills roughly 60-90% of it).
SCRATCH_WIDTH = (0.0035, 0.009)
SCRATCH_LEN = (0.12, 0.40)


# ----------------------------------------------------------------------------- item specification

def _rand_colour(rng, kind=None):
    kind = kind or rng.choice(["any", "dark", "light", "muted"])
    h = rng.random()
    if kind == "dark":
        s, v = rng.uniform(0.0, 0.5), rng.uniform(0.12, 0.35)
    elif kind == "light":
        s, v = rng.uniform(0.0, 0.35), rng.uniform(0.75, 0.95)
    elif kind == "muted":
        s, v = rng.uniform(0.1, 0.4), rng.uniform(0.4, 0.8)
    else:
        s, v = rng.uniform(0.2, 0.9), rng.uniform(0.35, 0.9)
    i = int(h * 6) % 6
    f = h * 6 - int(h * 6)
    p, q, t = v * (1 - s), v * (1 - f * s), v * (1 - (1 - f) * s)
    return [(v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q)][i]


def _sample_damage_types(rng, grade):
    lo, hi = GRADE_POINT_RANGES[grade]
    if lo == 0:
        return []
    weights = {"scratch": 3, "stain": 3, "dent": 2.5, "tear": 1.5, "crack": 1.5, "missing_part": 1.2}
    names = list(weights)
    p = np.array([weights[n] for n in names], dtype=float)
    p /= p.sum()
    for _ in range(1000):
        n = int(rng.choice([1, 2, 3], p=[0.45, 0.35, 0.20]))
        types = [names[int(i)] for i in rng.choice(len(names), size=n, p=p)]
        pts = sum(SEVERITY_POINTS[t] for t in types)
        if pts >= lo and (hi is None or pts <= hi) and types.count("missing_part") <= 1:
            return types
    raise RuntimeError("could not sample damage for " + grade)


def make_item_spec(rng: np.random.Generator, item_id: str, grade: str | None = None) -> dict:
    """A resolution-independent description of one item (shape, look, damage geometry)."""
    grade = grade or GRADES[int(rng.integers(len(GRADES)))]
    product = PRODUCTS[int(rng.integers(len(PRODUCTS)))]
    material = MATERIALS[int(rng.integers(len(MATERIALS)))]
    spec = {
        "item_id": item_id, "product": product, "material": material,
        "colour": _rand_colour(rng), "colour2": _rand_colour(rng),
        "aspect": float(rng.uniform(0.55, 1.0)),   # item height / width (before view rotation)
        "tex_seed": int(rng.integers(2**31)),
        "sticker": bool(rng.random() < 0.5),       # printed label / logo: a distractor, not damage
        "damage": [],
    }
    types = _sample_damage_types(rng, grade)
    # Pick damage positions on the item surface from a low-resolution render of its mask.
    ref = 256
    _, alpha, _, _ = render_item(spec, ref, with_damage=False)
    spec["damage"] = place_damage(rng, types, alpha)
    spec["grade"] = grade_from_damage(types)
    assert spec["grade"] == grade
    return spec


def place_damage(rng: np.random.Generator, types: list, alpha: np.ndarray) -> list:
    """Damage geometries (canvas-relative coordinates) for `types` on the surface given by a square alpha mask:
    missing parts on the edge, everything else inside, centres kept apart. Used for the parametric items and for
    real objects (realmix.py), so both carry the same painter's damage."""
    ref = alpha.shape[0]
    inner = np.array(Image.fromarray((alpha * 255).astype(np.uint8)).filter(ImageFilter.MinFilter(15))) > 127
    edge = (alpha > 0.5) & ~inner
    ys, xs = np.nonzero(inner)
    eys, exs = np.nonzero(edge)
    if len(ys) == 0 or len(eys) == 0:
        raise ValueError("no surface to place damage on")
    placed, damage = [], []
    for t in types:
        for _ in range(200):
            if t == "missing_part":
                k = int(rng.integers(len(eys)))
                c = (exs[k] / ref, eys[k] / ref)
            else:
                k = int(rng.integers(len(ys)))
                c = (xs[k] / ref, ys[k] / ref)
            if all(math.hypot(c[0] - p[0], c[1] - p[1]) > 0.16 for p in placed):
                break
        placed.append(c)
        damage.append(_damage_geometry(rng, t, c))
    return damage


def _walk(rng, c, length, n, turn, angle=None):
    """A polyline from c: n segments of total length `length`, turning up to `turn` rad each step."""
    a = rng.uniform(0, 2 * math.pi) if angle is None else angle
    pts = [c]
    seg = length / n
    for _ in range(n):
        a += rng.uniform(-turn, turn)
        x, y = pts[-1]
        pts.append((x + seg * math.cos(a), y + seg * math.sin(a)))
    return pts


def _damage_geometry(rng, t, c):
    c = (float(c[0]), float(c[1]))
    if t == "scratch":
        length = rng.uniform(*SCRATCH_LEN)
        width = rng.uniform(*SCRATCH_WIDTH)
        pts = _walk(rng, c, length, int(rng.integers(1, 4)), 0.25)
        # centre the stroke on c
        mx = np.mean([p[0] for p in pts]) - c[0]
        my = np.mean([p[1] for p in pts]) - c[1]
        lines = [[(p[0] - mx, p[1] - my) for p in pts]]
        if rng.random() < 0.35:   # a scuff: 1-2 parallel strokes beside the first
            a = math.atan2(pts[-1][1] - pts[0][1], pts[-1][0] - pts[0][0]) + math.pi / 2
            for j in range(int(rng.integers(1, 3))):
                off = (j + 1) * rng.uniform(0.008, 0.02)
                lines.append([(p[0] + off * math.cos(a), p[1] + off * math.sin(a)) for p in lines[0]])
        return {"type": t, "lines": lines, "width": width, "tone": float(rng.uniform(0.45, 0.85))}
    if t == "stain":
        r = rng.uniform(0.035, 0.09)
        blobs = [(c[0] + rng.normal(0, r * 0.35), c[1] + rng.normal(0, r * 0.35),
                  r * rng.uniform(0.5, 1.0), r * rng.uniform(0.5, 1.0)) for _ in range(int(rng.integers(3, 7)))]
        colour = [(0.35, 0.22, 0.10), (0.08, 0.08, 0.08), (0.12, 0.16, 0.50), (0.45, 0.40, 0.10),
                  (0.55, 0.10, 0.12)][int(rng.integers(5))]
        return {"type": t, "blobs": blobs, "colour": colour, "opacity": float(rng.uniform(0.45, 0.8)),
                "ring": bool(rng.random() < 0.4)}
    if t == "dent":
        r = rng.uniform(0.045, 0.10)
        return {"type": t, "centre": c, "rx": r, "ry": r * rng.uniform(0.6, 1.0),
                "strength": float(rng.uniform(0.35, 0.6)), "light": float(rng.uniform(0, 2 * math.pi))}
    if t == "tear":
        length = rng.uniform(0.10, 0.28)
        pts = _walk(rng, c, length, int(rng.integers(6, 12)), 0.9)
        return {"type": t, "line": pts, "width": float(rng.uniform(0.012, 0.03))}
    if t == "crack":
        branches = []
        main = _walk(rng, c, rng.uniform(0.12, 0.3), int(rng.integers(5, 9)), 0.7)
        branches.append(main)
        for _ in range(int(rng.integers(1, 4))):
            start = main[int(rng.integers(1, len(main)))]
            branches.append(_walk(rng, start, rng.uniform(0.04, 0.12), int(rng.integers(2, 5)), 0.8))
        return {"type": t, "branches": branches, "width": float(rng.uniform(0.004, 0.008))}
    if t == "missing_part":
        r = rng.uniform(0.09, 0.17)
        n = int(rng.integers(7, 12))
        poly = []
        for i in range(n):
            a = 2 * math.pi * i / n + rng.uniform(-0.2, 0.2)
            rr = r * rng.uniform(0.6, 1.15)
            poly.append((c[0] + rr * math.cos(a), c[1] + rr * math.sin(a)))
        return {"type": t, "poly": poly}
    raise ValueError(t)


# ----------------------------------------------------------------------------- rendering an item

def _noise(rng, h, w, scale):
    """Smooth value noise in [-1, 1] with features about `scale` pixels wide."""
    gh, gw = max(2, int(h / scale) + 2), max(2, int(w / scale) + 2)
    small = rng.uniform(-1, 1, (gh, gw)).astype(np.float32)
    return np.asarray(Image.fromarray(small, mode="F").resize((w, h), Image.BICUBIC), dtype=np.float32)


def _shape_layers(spec, S):
    """Item parts as (mask image, shade factor) drawn on an S x S canvas; item centred."""
    w = 0.86 * S
    h = w * spec["aspect"]
    if spec["product"] in ("bottle", "shoe"):
        h = w * min(spec["aspect"], 0.75)
    x0, y0 = (S - w) / 2, (S - h) / 2
    x1, y1 = x0 + w, y0 + h
    parts = []

    def new():
        im = Image.new("L", (S, S), 0)
        return im, ImageDraw.Draw(im)

    p = spec["product"]
    if p == "box":
        d = 0.18 * min(w, h)
        a, da = new()
        da.polygon([(x0, y0 + d), (x1 - d, y0 + d), (x1 - d, y1), (x0, y1)], fill=255)
        parts.append((a, 1.0))
        b, db = new()
        db.polygon([(x0, y0 + d), (x0 + d, y0), (x1, y0), (x1 - d, y0 + d)], fill=255)
        parts.append((b, 1.18))
        c, dc = new()
        dc.polygon([(x1 - d, y0 + d), (x1, y0), (x1, y1 - d), (x1 - d, y1)], fill=255)
        parts.append((c, 0.78))
    elif p == "device":
        a, da = new()
        da.rounded_rectangle([x0, y0, x1, y1], radius=0.08 * min(w, h), fill=255)
        parts.append((a, 1.0))
        m = 0.07 * min(w, h)
        b, db = new()
        db.rounded_rectangle([x0 + m, y0 + m, x1 - m, y1 - m], radius=0.03 * min(w, h), fill=255)
        parts.append((b, 0.35))   # screen
    elif p == "bowl":
        a, da = new()
        da.ellipse([x0, y0, x1, y1], fill=255)
        parts.append((a, 1.0))
        m = 0.12 * min(w, h)
        b, db = new()
        db.ellipse([x0 + m, y0 + m, x1 - m, y1 - m], fill=255)
        parts.append((b, 0.72))   # inside
    elif p == "shoe":
        a, da = new()
        da.ellipse([x0, y0 + 0.25 * h, x1, y1], fill=255)
        da.polygon([(x0 + 0.05 * w, y0 + 0.6 * h), (x0 + 0.2 * w, y0), (x0 + 0.55 * w, y0),
                    (x0 + 0.65 * w, y0 + 0.5 * h)], fill=255)
        parts.append((a, 1.0))
        b, db = new()
        db.rounded_rectangle([x0, y1 - 0.18 * h, x1, y1], radius=0.08 * h, fill=255)
        parts.append((b, 0.4))    # sole
    elif p == "bag":
        a, da = new()
        da.polygon([(x0 + 0.1 * w, y0 + 0.3 * h), (x1 - 0.1 * w, y0 + 0.3 * h), (x1, y1), (x0, y1)], fill=255)
        t = max(3, int(0.05 * w))
        da.arc([x0 + 0.25 * w, y0, x1 - 0.25 * w, y0 + 0.6 * h], 180, 360, fill=255, width=t)
        parts.append((a, 1.0))
        b, db = new()
        db.polygon([(x0 + 0.1 * w, y0 + 0.3 * h), (x1 - 0.1 * w, y0 + 0.3 * h), (x1 - 0.08 * w, y0 + 0.55 * h),
                    (x0 + 0.08 * w, y0 + 0.55 * h)], fill=255)
        parts.append((b, 0.85))   # flap
    elif p == "bottle":
        a, da = new()
        nw = 0.3 * h
        da.rounded_rectangle([x0 + 0.25 * w, y0, x1, y1], radius=0.15 * h, fill=255)
        da.rectangle([x0 + 0.05 * w, y0 + (h - nw) / 2, x0 + 0.3 * w, y0 + (h + nw) / 2], fill=255)
        parts.append((a, 1.0))
        b, db = new()
        db.rectangle([x0, y0 + (h - nw) / 2 - 2, x0 + 0.08 * w, y0 + (h + nw) / 2 + 2], fill=255)
        parts.append((b, 0.5))    # cap
    elif p == "book":
        a, da = new()
        da.rectangle([x0, y0, x1, y1], fill=255)
        parts.append((a, 1.0))
        b, db = new()
        db.rectangle([x0, y0, x0 + 0.08 * w, y1], fill=255)
        parts.append((b, 0.7))    # spine
    return parts, (x0, y0, x1, y1)


def _draw_mask(S, fn):
    im = Image.new("L", (S, S), 0)
    fn(ImageDraw.Draw(im))
    return np.asarray(im) > 127


def _px(p, S):
    return (p[0] * S, p[1] * S)


def render_item(spec: dict, S: int, with_damage: bool = True, surface=None):
    """Render the item on an S x S canvas.

    surface: optional callable S -> float32 [S,S,3] in 0..1, a real texture or print that replaces the item's flat
    colour on its main part (realmix.py); the shading, material and damage are drawn on it as on a colour.
    Returns rgb float32 [S,S,3] in 0..1, alpha float32 [S,S], damage masks (list of bool [S,S], one
    per damage in spec order), and the item's bounding box on the canvas.
    """
    rng = np.random.default_rng(spec["tex_seed"])
    parts, ibox = _shape_layers(spec, S)
    base = np.array(spec["colour"], dtype=np.float32)
    base2 = np.array(spec["colour2"], dtype=np.float32)
    texture = surface(S) if surface is not None else None
    rgb = np.zeros((S, S, 3), np.float32)
    alpha = np.zeros((S, S), np.float32)
    for i, (m, shade) in enumerate(parts):
        mm = np.asarray(m, dtype=np.float32) / 255.0
        col = base * shade if i == 0 or spec["product"] != "device" else np.array([0.05, 0.06, 0.08]) * 1.0
        if texture is not None and i == 0:
            col = texture * shade
        if spec["product"] == "shoe" and i == 1:
            col = base2 * 0.6
        rgb = rgb * (1 - mm[..., None]) + mm[..., None] * col
        alpha = np.maximum(alpha, mm)

    # material
    yy, xx = np.mgrid[0:S, 0:S].astype(np.float32) / S
    mat = spec["material"]
    if mat == "textured":
        rgb *= (1 + 0.10 * _noise(rng, S, S, max(2, S / 160)) + 0.06 * _noise(rng, S, S, S / 20))[..., None]
    elif mat == "patterned":
        f = rng.uniform(8, 20)
        ang = rng.uniform(0, math.pi)
        stripes = (np.sin(2 * math.pi * f * (xx * math.cos(ang) + yy * math.sin(ang))) > 0.3).astype(np.float32)
        rgb = rgb * (1 - 0.5 * stripes[..., None]) + 0.5 * stripes[..., None] * base2 * rgb.mean(-1, keepdims=True) * 1.5
    else:
        rgb *= (1 + 0.02 * _noise(rng, S, S, S / 30))[..., None]
    # local shading across the item
    ga = rng.uniform(0, 2 * math.pi)
    rgb *= (1 + 0.12 * ((xx - 0.5) * math.cos(ga) + (yy - 0.5) * math.sin(ga)))[..., None]
    if mat == "glossy" or spec["product"] == "device":
        cx, cy = rng.uniform(0.3, 0.7), rng.uniform(0.25, 0.6)
        hl = np.exp(-(((xx - cx) / 0.18) ** 2 + ((yy - cy) / 0.1) ** 2))
        rgb += 0.25 * hl[..., None] * alpha[..., None]

    if spec["sticker"]:   # a printed label with text-like lines: not damage
        x0, y0, x1, y1 = ibox
        w, h = x1 - x0, y1 - y0
        sx = x0 + w * rng.uniform(0.2, 0.55)
        sy = y0 + h * rng.uniform(0.3, 0.6)
        sw, sh = w * rng.uniform(0.15, 0.3), h * rng.uniform(0.1, 0.22)
        im = Image.new("L", (S, S), 0)
        d = ImageDraw.Draw(im)
        d.rectangle([sx, sy, sx + sw, sy + sh], fill=120)
        for k in range(int(rng.integers(2, 5))):
            ly = sy + sh * (0.2 + 0.2 * k)
            if ly < sy + sh * 0.9:
                d.line([(sx + 0.1 * sw, ly), (sx + sw * rng.uniform(0.5, 0.9), ly)], fill=255, width=max(1, int(sh * 0.07)))
        st = np.asarray(im, dtype=np.float32) / 255.0
        paper = (st > 0.3)[..., None] & (alpha[..., None] > 0.5)
        ink = (st > 0.7)[..., None] & paper
        lab = np.array(_rand_colour(rng, "light"), np.float32)
        rgb = np.where(paper, lab, rgb)
        rgb = np.where(ink, np.array(_rand_colour(rng, "dark"), np.float32), rgb)

    masks = []
    if with_damage:
        for dmg in spec["damage"]:
            rgb, alpha, m = _paint_damage(rng, dmg, rgb, alpha, S)
            masks.append(m)
    return np.clip(rgb, 0, 1), alpha, masks, ibox


def _soft(mask, radius):
    im = Image.fromarray((mask * 255).astype(np.uint8))
    if radius > 0:
        im = im.filter(ImageFilter.GaussianBlur(radius))
    return np.asarray(im, dtype=np.float32) / 255.0


def _paint_damage(rng, dmg, rgb, alpha, S):
    t = dmg["type"]
    surface = alpha > 0.5
    lum = float((rgb[surface].mean()) if surface.any() else 0.5)
    if t == "scratch":
        w = max(1.5, dmg["width"] * S)
        m = _draw_mask(S, lambda d: [d.line([_px(p, S) for p in ln], fill=255, width=int(round(w)), joint="curve")
                                     for ln in dmg["lines"]]) & surface
        a = _soft(m, 0.4) * dmg["tone"]
        target = np.array([0.92, 0.92, 0.9] if lum < 0.55 else [0.12, 0.12, 0.12], np.float32)
        rgb = rgb * (1 - a[..., None]) + a[..., None] * target
        return rgb, alpha, m
    if t == "stain":
        def draw(d):
            for (cx, cy, rx, ry) in dmg["blobs"]:
                d.ellipse([(cx - rx) * S, (cy - ry) * S, (cx + rx) * S, (cy + ry) * S], fill=255)
        m = _draw_mask(S, draw) & surface
        a = _soft(m, 1.5 + S * 0.004) * dmg["opacity"]
        if dmg["ring"]:
            inner = _soft(np.asarray(Image.fromarray((m * 255).astype(np.uint8)).filter(ImageFilter.MinFilter(5))) > 127, 2)
            a = a * (1 - 0.5 * inner)
        tint = np.array(dmg["colour"], np.float32)
        rgb = rgb * (1 - a[..., None]) + a[..., None] * (rgb * tint * 1.4)
        return rgb, alpha, m
    if t == "dent":
        cx, cy = dmg["centre"][0] * S, dmg["centre"][1] * S
        rx, ry = dmg["rx"] * S, dmg["ry"] * S
        yy, xx = np.mgrid[0:S, 0:S].astype(np.float32)
        dx, dy = (xx - cx) / rx, (yy - cy) / ry
        r2 = dx * dx + dy * dy
        m = (r2 <= 1.0) & surface
        lx, ly = math.cos(dmg["light"]), math.sin(dmg["light"])
        # a bowl-shaped depression lit from one side: bright on the far wall, dark on the near wall
        shade = 1 + dmg["strength"] * (dx * lx + dy * ly) * np.clip(1 - r2, 0, 1) * 2.2
        crease = np.exp(-((np.sqrt(r2) - 1) / 0.08) ** 2) * 0.25
        f = np.where(m, shade - crease, 1.0)
        rgb = rgb * f[..., None]
        return rgb, alpha, m
    if t == "tear":
        w = max(3, dmg["width"] * S)
        pts = [_px(p, S) for p in dmg["line"]]
        gap = _draw_mask(S, lambda d: d.line(pts, fill=255, width=int(round(w)), joint="curve")) & surface
        fray = _draw_mask(S, lambda d: d.line(pts, fill=255, width=int(round(w * 2.2)), joint="curve")) & surface
        rgb = np.where(fray[..., None], rgb * 0.55 + 0.45 * np.array([0.85, 0.82, 0.75], np.float32), rgb)
        rgb = np.where(gap[..., None], np.array([0.06, 0.05, 0.05], np.float32), rgb)
        return rgb, alpha, fray
    if t == "crack":
        w = max(1.5, dmg["width"] * S)
        line = _draw_mask(S, lambda d: [d.line([_px(p, S) for p in b], fill=255, width=int(round(w)), joint="curve")
                                        for b in dmg["branches"]]) & surface
        halo = _draw_mask(S, lambda d: [d.line([_px(p, S) for p in b], fill=255, width=int(round(w * 3)), joint="curve")
                                        for b in dmg["branches"]]) & surface
        rgb = np.where(halo[..., None], rgb * 0.8, rgb)
        rgb = np.where(line[..., None], rgb * 0.15, rgb)
        return rgb, alpha, halo
    if t == "missing_part":
        poly = [_px(p, S) for p in dmg["poly"]]
        cut = _draw_mask(S, lambda d: d.polygon(poly, fill=255))
        m = cut & (alpha > 0.5)
        # a dark broken edge where the part snapped off
        grown = np.asarray(Image.fromarray((cut * 255).astype(np.uint8)).filter(ImageFilter.MaxFilter(5))) > 127
        edge = grown & ~cut & (alpha > 0.5)
        rgb = np.where(edge[..., None], rgb * 0.35, rgb)
        alpha = np.where(cut, 0.0, alpha).astype(np.float32)
        return rgb, alpha, m
    raise ValueError(t)


# ----------------------------------------------------------------------------- rendering a photo

def _background(rng, W, H):
    kind = rng.choice(["plain", "wood", "tiles", "fabric", "paper"])
    c1 = np.array(_rand_colour(rng, rng.choice(["light", "muted", "dark", "muted"])), np.float32)
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    if kind == "wood":
        c2 = c1 * rng.uniform(0.6, 0.85)
        f = 0.5 + 0.5 * np.sin(yy / rng.uniform(6, 20) + 3 * _noise(rng, H, W, 120))
        img = c1 * (1 - f[..., None]) + c2 * f[..., None]
    elif kind == "tiles":
        s = rng.uniform(60, 200)
        grout = ((xx % s) < 3) | ((yy % s) < 3)
        img = np.where(grout[..., None], c1 * 0.7, c1)
    elif kind == "fabric":
        img = c1 * (1 + 0.08 * _noise(rng, H, W, 3) + 0.05 * np.sin(xx / 2.0) * np.sin(yy / 2.0))[..., None]
    elif kind == "paper":
        img = c1 * (1 + 0.03 * _noise(rng, H, W, 2) + 0.03 * _noise(rng, H, W, 200))[..., None]
    else:
        img = np.broadcast_to(c1, (H, W, 3)).copy()
    g = rng.uniform(-0.15, 0.15)
    img = img * (1 + g * (yy / H - 0.5))[..., None]
    return img.astype(np.float32)


def render_view(spec: dict, rng: np.random.Generator, render=None, background=None, photo_scale: float = 1.0):
    """One photo of the item. Returns (uint8 [H,W,3], list of bool [H,W] damage masks, info).

    render: callable S -> (rgb, alpha, masks, box) drawing the item on an S x S canvas (default: render_item(spec));
    background: callable (rng, W, H) -> float32 [H,W,3] in 0..1 (default: a generated surface); photo_scale scales
    the photo sizes (real objects come from ~150-400 px photos and are photographed smaller). realmix.py passes
    real objects, textures and backgrounds through these; the defaults draw exactly what they always drew."""
    (W, H) = PHOTO_SIZES[int(rng.choice(len(PHOTO_SIZES), p=[p for _, p in PHOTO_SIZES]))][0]
    W, H = int(round(W * photo_scale)), int(round(H * photo_scale))
    bg = (background or _background)(rng, W, H)
    # item canvas rendered at its on-photo size so that warping is rotation only (no resampling blur)
    S = int(min(W, H) * rng.uniform(0.55, 0.95))
    rgb, alpha, masks, _ = (render or (lambda size: render_item(spec, size)))(S)
    angle = float(rng.uniform(-25, 25)) + (180.0 if rng.random() < 0.15 else 0.0)

    def rot(arr, resample):
        return np.asarray(Image.fromarray(arr).rotate(angle, resample=resample, expand=True))

    rgb_r = rot((rgb * 255).astype(np.uint8), Image.BILINEAR).astype(np.float32) / 255
    a_r = rot((alpha * 255).astype(np.uint8), Image.BILINEAR).astype(np.float32) / 255
    m_r = [rot((m * 255).astype(np.uint8), Image.BILINEAR) >= 96 for m in masks]
    # crop to the item's extent, then place fully inside the photo
    ys, xs = np.nonzero(a_r > 0.02)
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    if (y1 - y0) > H - 8 or (x1 - x0) > W - 8:   # rotated item too big for the frame: shrink the crop
        raise _Retry()
    rgb_r, a_r = rgb_r[y0:y1, x0:x1], a_r[y0:y1, x0:x1]
    m_r = [m[y0:y1, x0:x1] for m in m_r]
    h, w = a_r.shape
    px = int(rng.integers(4, W - w - 3))
    py = int(rng.integers(4, H - h - 3))

    # shadow: blurred, offset copy of the item's alpha darkens the background
    sh = np.zeros((H, W), np.float32)
    ox, oy = int(rng.integers(-20, 21)), int(rng.integers(5, 30))
    sx0, sy0 = max(0, px + ox), max(0, py + oy)
    sx1, sy1 = min(W, px + ox + w), min(H, py + oy + h)
    sh[sy0:sy1, sx0:sx1] = a_r[sy0 - (py + oy):sy1 - (py + oy), sx0 - (px + ox):sx1 - (px + ox)]
    sh = _soft(sh, rng.uniform(6, 25)) * rng.uniform(0.25, 0.6)
    photo = bg * (1 - sh[..., None])
    region = photo[py:py + h, px:px + w]
    photo[py:py + h, px:px + w] = region * (1 - a_r[..., None]) + rgb_r * a_r[..., None]
    full_masks = []
    for m in m_r:
        fm = np.zeros((H, W), bool)
        fm[py:py + h, px:px + w] = m
        full_masks.append(fm)

    # lighting: directional gradient, colour cast, exposure
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    la = rng.uniform(0, 2 * math.pi)
    grad = 1 + rng.uniform(0.0, 0.25) * ((xx / W - 0.5) * math.cos(la) + (yy / H - 0.5) * math.sin(la))
    cast = np.array([rng.uniform(0.92, 1.08), 1.0, rng.uniform(0.92, 1.08)], np.float32)
    photo = photo * grad[..., None] * cast * rng.uniform(0.8, 1.15)
    photo = np.clip(photo * 255, 0, 255).astype(np.uint8)
    im = Image.fromarray(photo)
    blur = float(rng.choice([0, 0, rng.uniform(0.3, 1.2)]))
    if blur > 0:
        im = im.filter(ImageFilter.GaussianBlur(blur))
    arr = np.asarray(im).astype(np.float32)
    sigma = rng.uniform(0.5, 5.0)
    arr = np.clip(arr + rng.normal(0, sigma, arr.shape).astype(np.float32), 0, 255).astype(np.uint8)
    info = {"width": W, "height": H, "blur": blur, "noise_sigma": round(float(sigma), 2), "angle": round(angle, 1),
            "item_box": [px, py, w, h]}   # the item's extent in the photo, for a model that crops to the item first
    return arr, full_masks, info


class _Retry(Exception):
    pass


def encode_jpeg(arr: np.ndarray, quality: int) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="JPEG", quality=int(quality), optimize=True)
    return buf.getvalue()


def generate_item(args):
    """Everything for one item: spec + rendered views. Pure function of (seed, index)."""
    seed, index, prefix, views_range = args
    rng = np.random.default_rng([seed, index])
    item_id = f"{prefix}-{index:06d}"
    spec = make_item_spec(rng, item_id)
    n_views = int(rng.integers(views_range[0], views_range[1] + 1))
    views = []
    while len(views) < n_views:
        try:
            arr, masks, info = render_view(spec, rng)
        except _Retry:
            continue
        # every damage must remain visible (at least a few pixels) in every view
        if any(m.sum() < 6 for m in masks):
            continue
        jpeg = encode_jpeg(arr, int(rng.integers(82, 94)))
        views.append({"jpeg": jpeg, "masks": masks, "info": info})
    return spec, views


def generate_package(out: str, items: int, seed: int = 1, workers: int = 1, prefix: str = "syn",
                     views=(2, 3), zip_output: bool = False, log_every: int = 200, only_split: str | None = None) -> dict:
    """only_split: write only the items that the split rule puts in that split (the same photos as in the whole
    package: each item is a pure function of seed and index), e.g. to rebuild a test split without the rest."""
    generator = {"name": "models/training/synth.py", "seed": seed, "items": items,
                 "views_per_item": list(views), "photo_sizes": [s for s, _ in PHOTO_SIZES]}
    if only_split:
        generator["only_split"] = only_split
    writer = PackageWriter(out, source="synthetic", generator=generator)
    jobs = [(seed, i, prefix, views) for i in range(items)
            if only_split is None or split_for(f"{prefix}-{i:06d}") == only_split]
    t0 = time.time()
    pool = Pool(workers) if workers > 1 else None
    it = pool.imap(generate_item, jobs, chunksize=4) if pool else map(generate_item, jobs)
    for k, (spec, views) in enumerate(it):
        photos = []
        for v, view in enumerate(views):
            anns = [{"type": d["type"], "mask": m} for d, m in zip(spec["damage"], view["masks"])]
            photos.append({"jpeg": view["jpeg"], "width": view["info"]["width"], "height": view["info"]["height"],
                           "annotations": anns, "extra": {"view": v, "product": spec["product"],
                                                          "material": spec["material"],
                                                          "item_box": view["info"]["item_box"]}})
        writer.add_item(spec["item_id"], spec["grade"], photos, extra={"product": spec["product"]})
        if log_every and (k + 1) % log_every == 0:
            print(f"  {k + 1}/{len(jobs)} items, {time.time() - t0:.0f}s", flush=True)
    if pool:
        pool.close()
        pool.join()
    return writer.finish(zip_output=zip_output)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True, help="package folder to write (or .zip path with --zip)")
    ap.add_argument("--items", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--prefix", default="syn", help="item id prefix (ids are PREFIX-000123)")
    ap.add_argument("--min-views", type=int, default=2)
    ap.add_argument("--max-views", type=int, default=3)
    ap.add_argument("--zip", action="store_true", help="also write OUT.zip")
    ap.add_argument("--only-split", choices=["train", "validation", "test"],
                    help="write only this split's items (identical to the same items of the whole package)")
    a = ap.parse_args()
    summary = generate_package(a.out, a.items, a.seed, a.workers, a.prefix, (a.min_views, a.max_views), a.zip,
                               only_split=a.only_split)
    print(summary["counts"])


if __name__ == "__main__":
    main()
