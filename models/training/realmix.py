"""Training photos with real content, and the real-photo check: dataset packages in the usual format.

Usage:
    /usr/bin/python3 realsrc.py --out data/real                       # once: fetch the real content
    /usr/bin/python3 realmix.py --real data/real --out data/realmix-v1 --items 3000 --seed 11 --workers 2
    /usr/bin/python3 realmix.py --real data/real --out data/realcheck-v1 --check

Why: the parametric generator (synth.py) alone taught the model its renderer, not damage: real texture, print and
shading read as damage with near-certain confidence (issue 15). So each training item here is one of

* **real object** (45 %): a photo of a whole everyday object (Tux Paint's cut-out photos) with 0-3 damages painted
  onto it by synth.py's painter, positions drawn on the object's own outline; a clean one is LikeNew;
* **textured item** (30 %): a parametric product whose surface is a real texture or a crop of a real photo
  (GIMP patterns, wallpapers), damaged by the same painter;
* **parametric item** (25 %): synth.py's item as it always was, on a real background;

and every view is composed on a real background (a wallpaper crop or a tiled texture) or a generated one, with
synth.py's pose, shadow, lighting, blur, noise and JPEG randomization. Clean items are a larger share (30 %) than in
synth.py (20 %): what is *not* damage is what real content has to teach. Only train-side content is used (realsrc).

``--content site`` uses a disjoint set of objects that training never sees (realsrc.SITE_FOLDERS) and real objects
only: the labels of a "new site" for the first-labels experiment (REPORT.md), and with ``--check`` its held-out check.

``--pairs`` writes **counterfactual pairs** instead (training data, train-side objects only): each pair is one real
object photographed twice in the very same scene (pose, background, light, noise, JPEG quality), once clean (LikeNew)
and once with damage painted on (VeryGood to Unsellable), as two items. Within a pair only the damage differs, so
nothing but the damage can tell the two labels apart (REPORT.md "v20").

``--extra-objects`` (training data only) draws EXTRA_OBJECT_SHARE of the real objects from thousands of train-only
objects of other kinds (realsrc.EXTRA_OBJECT_PACKAGES: Oxygen's renderings of devices, Open Clip Art's drawings),
loaded as they are drawn (REPORT.md "v24").

``--check`` writes the **real-photo check** instead: every check-side object three times, clean (LikeNew), lightly
damaged (VeryGood or Good) and heavily damaged (Acceptable or Unsellable), three photos each on check-side
backgrounds, all in the package's test split. evaluate.py --realcheck reports it per object.
"""
from __future__ import annotations

import argparse
import copy
import time
from multiprocessing import Pool

import numpy as np
from PIL import Image

import realsrc
import synth
from package import PackageWriter
from rubric import GRADES, grade_from_damage

KINDS = [("object", 0.45), ("textured", 0.30), ("parametric", 0.25)]
GRADE_WEIGHTS = [0.30, 0.175, 0.175, 0.175, 0.175]
REAL_PHOTO_SCALE = 0.625          # real objects are photographed at 640x480-class sizes (sources are small)
EXTRA_OBJECT_SHARE = 0.7         # with --extra-objects: the share of real objects drawn from the train-only objects
CHECK_VARIANTS = [("clean", ["LikeNew"]), ("light", ["VeryGood", "Good"]), ("heavy", ["Acceptable", "Unsellable"])]

_content: dict = {}


def _init_worker(real_root: str, side: str, cache: str, content: str = "products", extra: bool = False,
                 extra_objects: bool = False):
    """Loads the side's content once per worker process (with ``extra``, the train-only surfaces and wallpapers too;
    with ``extra_objects`` the names of the train-only objects, which are loaded as they are drawn)."""
    objs = []
    for name, path in realsrc.objects(real_root, side, content):
        o = realsrc.load_object(path)
        if o is not None:
            objs.append((name, o))
    _content.update(
        side=side, content=content,
        objects=objs,
        textures=[(n, realsrc.read_gimp_pattern(p)) for n, p in realsrc.textures(real_root, side)],
        backgrounds=[(n, realsrc.load_background(p, cache)) for n, p in realsrc.backgrounds(real_root, side)])
    if extra:
        if side != "train":
            raise ValueError("the extra surfaces and wallpapers are train-only: the real-photo check never uses them")
        _content["textures"] += [(n, realsrc.read_texture(p)) for n, p in realsrc.extra_textures(real_root)]
        _content["backgrounds"] += [(n, realsrc.load_background(p, cache))
                                    for n, p in realsrc.extra_background_files(real_root)]
    _content["extra_objects"] = []
    if extra_objects:
        if side != "train" or content != "products":
            raise ValueError("the extra objects are train-only product content: the checks never use them")
        _content["extra_objects"] = realsrc.extra_object_files(real_root)
        if not _content["extra_objects"]:
            raise ValueError(f"no train-only objects under {real_root}: run realsrc.py --extra-objects first")


def draw_object(rng: np.random.Generator):
    """(name, object) for a real-object item: with --extra-objects EXTRA_OBJECT_SHARE of the time one of the train-only
    objects (None where it is an icon or a thin shape load_object refuses, and the caller draws again)."""
    extra = _content.get("extra_objects")
    if extra and rng.random() < EXTRA_OBJECT_SHARE:
        name, path = extra[int(rng.integers(len(extra)))]
        return name, realsrc.load_extra_object(path)
    return _content["objects"][int(rng.integers(len(_content["objects"])))]


def object_canvas(rgb: np.ndarray, alpha: np.ndarray, S: int, fill: float = 0.86):
    """The object scaled to fill `fill` of an S x S canvas, centred: (rgb [S,S,3], alpha [S,S]) float32."""
    h, w = alpha.shape
    k = fill * S / max(h, w)
    nw, nh = max(1, int(round(w * k))), max(1, int(round(h * k)))
    rgba = np.dstack([rgb, alpha])
    im = Image.fromarray((np.clip(rgba, 0, 1) * 255).astype(np.uint8), "RGBA").resize((nw, nh), Image.LANCZOS)
    canvas = Image.new("RGBA", (S, S), (0, 0, 0, 0))
    canvas.paste(im, ((S - nw) // 2, (S - nh) // 2))
    arr = np.asarray(canvas, dtype=np.float32) / 255.0
    a = arr[..., 3]
    return arr[..., :3] * (a[..., None] > 0), a


def object_render(obj, damage: list, tex_seed: int):
    """render(S) for synth.render_view: the real object with its damage painted by synth's painter."""
    rgb0, alpha0 = obj

    def render(S):
        rgb, alpha = object_canvas(rgb0, alpha0, S)
        rng = np.random.default_rng(tex_seed)
        masks = []
        for d in damage:
            rgb, alpha, m = synth._paint_damage(rng, d, rgb, alpha, S)
            masks.append(m)
        return np.clip(rgb, 0, 1), alpha, masks, None
    return render


def texture_surface(rng: np.random.Generator):
    """surface(S) for synth.render_item: a tiled GIMP texture or a crop of a wallpaper photo, randomly scaled."""
    use_tex = rng.random() < 0.6 or not _content["backgrounds"]
    if use_tex:
        tex = _content["textures"][int(rng.integers(len(_content["textures"])))][1]
    else:
        tex = _content["backgrounds"][int(rng.integers(len(_content["backgrounds"])))][1]
    scale = float(rng.uniform(0.5, 2.0))
    u, v = rng.random(), rng.random()
    gain = float(rng.uniform(0.7, 1.1))

    def surface(S):
        if use_tex:
            return _tile(tex, S, S, scale, u, v) * gain
        return _crop(tex, S, S, u, v, scale) * gain
    return surface


def _tile(tex: np.ndarray, W: int, H: int, scale: float, u: float, v: float) -> np.ndarray:
    th, tw = tex.shape[:2]
    nw, nh = max(8, int(tw * scale)), max(8, int(th * scale))
    t = np.asarray(Image.fromarray(tex).resize((nw, nh), Image.BILINEAR))
    reps = (H // nh + 2, W // nw + 2, 1)
    big = np.tile(t, reps)
    oy, ox = int(v * nh), int(u * nw)
    return big[oy:oy + H, ox:ox + W].astype(np.float32) / 255.0


def _crop(img: np.ndarray, W: int, H: int, u: float, v: float, zoom: float) -> np.ndarray:
    ih, iw = img.shape[:2]
    k = max(W / iw, H / ih) * max(1.0, zoom)
    cw, ch = min(iw, int(W / k) + 1), min(ih, int(H / k) + 1)
    x0, y0 = int(u * (iw - cw)), int(v * (ih - ch))
    return np.asarray(Image.fromarray(img[y0:y0 + ch, x0:x0 + cw]).resize((W, H), Image.BILINEAR),
                      dtype=np.float32) / 255.0


def real_background(rng: np.random.Generator, W: int, H: int) -> np.ndarray:
    r = rng.random()
    if r < 0.6 and _content["backgrounds"]:
        img = _content["backgrounds"][int(rng.integers(len(_content["backgrounds"])))][1]
        bg = _crop(img, W, H, rng.random(), rng.random(), float(rng.uniform(1.0, 3.0)))
    elif r < 0.85 and _content["textures"]:
        tex = _content["textures"][int(rng.integers(len(_content["textures"])))][1]
        bg = _tile(tex, W, H, float(rng.uniform(0.7, 2.5)), rng.random(), rng.random())
    else:
        return synth._background(rng, W, H)
    return bg * float(rng.uniform(0.7, 1.1))


def object_damage(rng: np.random.Generator, obj, grade: str) -> list:
    """Damage for `grade` placed on the object's outline at the painter's reference size."""
    types = synth._sample_damage_types(rng, grade)
    if not types:
        return []
    _, alpha = object_canvas(obj[0], obj[1], 256)
    return synth.place_damage(rng, types, alpha)


def _views(rng, n_views, render, photo_scale):
    views = []
    tries = 0
    while len(views) < n_views:
        tries += 1
        if tries > 60:
            raise synth._Retry()
        try:
            arr, masks, info = synth.render_view({}, rng, render=render, background=real_background,
                                                 photo_scale=photo_scale)
        except synth._Retry:
            continue
        if any(m.sum() < 6 for m in masks):
            continue
        views.append({"jpeg": synth.encode_jpeg(arr, int(rng.integers(80, 95))), "masks": masks, "info": info})
    return views


def generate_item(args):
    """One training item: (item_id, grade, kind, content names, damage types, views). Pure function of (seed, index)."""
    seed, index, prefix = args
    for attempt in range(20):
        rng = np.random.default_rng([seed, index, attempt])
        item_id = f"{prefix}-{index:06d}"
        grade = GRADES[int(rng.choice(len(GRADES), p=GRADE_WEIGHTS))]
        kind = ("object" if _content["content"] == "site"   # a site's items are real objects
                else KINDS[int(rng.choice(len(KINDS), p=[p for _, p in KINDS]))][0])
        n_views = int(rng.integers(2, 4))
        try:
            if kind == "object":
                name, obj = draw_object(rng)
                if obj is None:
                    continue
                damage = object_damage(rng, obj, grade)
                render = object_render(obj, damage, int(rng.integers(2**31)))
                views = _views(rng, n_views, render, REAL_PHOTO_SCALE)
                types = [d["type"] for d in damage]
            else:
                spec = synth.make_item_spec(rng, item_id, grade)
                name = spec["product"]
                surface = texture_surface(rng) if kind == "textured" else None
                render = (lambda S, spec=spec, surface=surface: synth.render_item(spec, S, surface=surface))
                views = _views(rng, n_views, render, 1.0)
                types = [d["type"] for d in spec["damage"]]
        except (synth._Retry, ValueError):
            continue
        assert grade_from_damage(types) == grade
        return item_id, grade, kind, name, types, views
    raise RuntimeError(f"item {index}: no valid render in 20 attempts")


def _pair_views(rng, n_views, render_clean, render_damaged, photo_scale):
    """Views of the same scene twice: each damaged view is drawn from rng, the clean one from a copy of rng's state
    before it, so pose, background, light and noise are the same draws. A part the damage cuts away can change the
    item's extent and so where render_view places it: such a view, and one whose damage is not visible, is dropped for
    both."""
    clean, damaged = [], []
    tries = 0
    while len(damaged) < n_views:
        tries += 1
        if tries > 60:
            raise synth._Retry()
        state = copy.deepcopy(rng.bit_generator.state)
        try:
            arr_d, masks, info_d = synth.render_view({}, rng, render=render_damaged, background=real_background,
                                                     photo_scale=photo_scale)
            twin = np.random.Generator(type(rng.bit_generator)())
            twin.bit_generator.state = state
            arr_c, _, info_c = synth.render_view({}, twin, render=render_clean, background=real_background,
                                                 photo_scale=photo_scale)
        except synth._Retry:
            continue
        (xd, yd, _, _), (xc, yc, _, _) = info_d["item_box"], info_c["item_box"]
        if any(m.sum() < 6 for m in masks) or arr_c.shape != arr_d.shape or max(abs(xd - xc), abs(yd - yc)) > 2:
            continue
        quality = int(rng.integers(80, 95))
        damaged.append({"jpeg": synth.encode_jpeg(arr_d, quality), "masks": masks, "info": info_d})
        clean.append({"jpeg": synth.encode_jpeg(arr_c, quality), "masks": [], "info": info_c})
    return clean, damaged


def pair_item(args):
    """One counterfactual pair: (object name, damaged grade, damage types, clean views, damaged views)."""
    seed, index, prefix = args
    weights = np.array(GRADE_WEIGHTS[1:]) / sum(GRADE_WEIGHTS[1:])
    for attempt in range(20):
        rng = np.random.default_rng([seed, index, attempt])
        name, obj = _content["objects"][int(rng.integers(len(_content["objects"])))]
        grade = GRADES[1 + int(rng.choice(len(weights), p=weights))]
        try:
            damage = object_damage(rng, obj, grade)
            if not damage:
                continue
            tex_seed = int(rng.integers(2**31))
            clean, damaged = _pair_views(rng, int(rng.integers(2, 4)), object_render(obj, [], tex_seed),
                                         object_render(obj, damage, tex_seed), REAL_PHOTO_SCALE)
        except (synth._Retry, ValueError):
            continue
        types = [d["type"] for d in damage]
        assert grade_from_damage(types) == grade
        return name, grade, types, clean, damaged
    raise RuntimeError(f"pair {index}: no valid render in 20 attempts")


def check_item(args):
    """One real-photo check item: a check-side object in one variant, two photos."""
    seed, index, obj_index, variant, repeat = args
    rng = np.random.default_rng([seed, index])
    name, obj = _content["objects"][obj_index]
    if repeat:   # a further take of the same object (--check-repeats): its own pose, damage and backgrounds
        name = f"{name} r{repeat}"
    grades = dict(CHECK_VARIANTS)[variant]
    for attempt in range(20):
        grade = grades[int(rng.integers(len(grades)))]
        try:
            damage = object_damage(rng, obj, grade)
            views = _views(rng, 3, object_render(obj, damage, int(rng.integers(2**31))), REAL_PHOTO_SCALE)
        except (synth._Retry, ValueError):
            continue
        return name, variant, grade, [d["type"] for d in damage], views
    return name, variant, None, None, None   # no valid render: the object is left out of the check whole


def _photos(types, views, extra):
    photos = []
    for v, view in enumerate(views):
        anns = [{"type": t, "mask": m} for t, m in zip(types, view["masks"])]
        photos.append({"jpeg": view["jpeg"], "width": view["info"]["width"], "height": view["info"]["height"],
                       "annotations": anns, "extra": dict(extra, view=v, item_box=view["info"]["item_box"])})
    return photos


def slug(name: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in name).strip("-").lower()


def generate(real_root: str, out: str, items: int, seed: int, workers: int, prefix: str, check: bool,
             cache: str, log_every: int = 200, content: str = "products", check_repeats: int = 1,
             extra: bool = False, pairs: bool = False, extra_objects: bool = False) -> dict:
    side = "check" if check else "train"
    # the card lists what went in: the train-only extra packages only when they did
    sources = {k: v for k, v in realsrc.read_sources(real_root).items()
               if (extra or k not in realsrc.EXTRA_PACKAGES) and (extra_objects or k not in realsrc.EXTRA_OBJECT_PACKAGES)}
    _init_worker(real_root, side, cache, content, extra, extra_objects)   # also here: names and counts for the card
    if pairs and (check or content != "products"):
        raise ValueError("pairs are training data: train-side product objects only")
    generator = {"name": "models/training/realmix.py" + (" --check" if check else " --pairs" if pairs else ""),
                 "seed": seed,
                 "side": side, "content_set": content, "sources": sources,
                 "content": {"objects": len(_content["objects"]), "textures": len(_content["textures"]),
                             "backgrounds": len(_content["backgrounds"]),
                             **({"train_only_extra": sorted(realsrc.EXTRA_PACKAGES)} if extra else {}),
                             **({"train_only_object_files": len(_content["extra_objects"]),
                                 "train_only_object_share": EXTRA_OBJECT_SHARE,
                                 "train_only_object_packages": sorted(realsrc.EXTRA_OBJECT_PACKAGES)}
                                if extra_objects else {})},
                 "reserved_never_used": sorted(realsrc.RESERVED_PACKAGES)}
    if check:
        generator["variants"] = {v: g for v, g in CHECK_VARIANTS}
        generator["repeats"] = check_repeats
        n_obj = len(_content["objects"])
        # repeat 0 is exactly the check as built without repeats (same job indices, same seeds)
        jobs = [(seed, (r * n_obj + i) * len(CHECK_VARIANTS) + j, i, v, r) for r in range(check_repeats)
                for i in range(n_obj) for j, (v, _) in enumerate(CHECK_VARIANTS)]
        fn = check_item
    elif pairs:
        generator.update(pairs=items, items=2 * items,
                         damaged_grade_weights=dict(zip(GRADES[1:], np.round(np.array(GRADE_WEIGHTS[1:]) / sum(GRADE_WEIGHTS[1:]), 4).tolist())))
        jobs = [(seed, i, prefix) for i in range(items)]
        fn = pair_item
    else:
        generator.update(items=items, kinds=dict(KINDS), grade_weights=dict(zip(GRADES, GRADE_WEIGHTS)))
        jobs = [(seed, i, prefix) for i in range(items)]
        fn = generate_item
    writer = PackageWriter(out, source="synthetic-real-content" if not check else "real-photo-check",
                           generator=generator)
    pool = Pool(workers, initializer=_init_worker, initargs=(real_root, side, cache, content, extra, extra_objects)) if workers > 1 else None
    it = pool.imap(fn, jobs, chunksize=4) if pool else map(fn, jobs)
    t0 = time.time()
    kinds = {}
    results = list(it) if check else it
    if check:   # an object whose three variants cannot all be rendered is left out whole
        failed = {r[0] for r in results if r[2] is None}
        results = [r for r in results if r[0] not in failed]
        generator["objects_left_out"] = sorted(failed)
    for k, res in enumerate(results):
        if check:
            name, variant, grade, types, views = res
            extra = {"object": name, "variant": variant, "kind": "object"}
            writer.add_item(f"rc-{slug(name)}-{variant}", grade, _photos(types, views, extra), extra=extra,
                            split="test")
        elif pairs:   # both halves in the training split: a pair split across splits would teach half of itself
            name, grade, types, clean, damaged = res
            pair_id = f"{prefix}-{k:06d}"
            for half, g, t, views in (("clean", "LikeNew", [], clean), ("damaged", grade, types, damaged)):
                extra = {"kind": "object", "object": name, "pair": pair_id, "half": half}
                writer.add_item(f"{pair_id}-{half}", g, _photos(t, views, extra), extra=extra, split="train")
        else:
            item_id, grade, kind, name, types, views = res
            kinds[kind] = kinds.get(kind, 0) + 1
            if name.startswith("extra-object:"):
                kinds["object_train_only_extra"] = kinds.get("object_train_only_extra", 0) + 1
            extra = {"kind": kind, "object": name}
            writer.add_item(item_id, grade, _photos(types, views, extra), extra=extra)
        if log_every and (k + 1) % log_every == 0:
            print(f"  {k + 1}/{len(jobs)} items, {time.time() - t0:.0f}s", flush=True)
    if pool:
        pool.close()
        pool.join()
    if kinds:
        generator["kind_counts"] = kinds
    return writer.finish()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--real", default="data/real", help="folder written by realsrc.py")
    ap.add_argument("--out", required=True)
    ap.add_argument("--items", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--prefix", default="rmx")
    ap.add_argument("--check", action="store_true", help="write the real-photo check instead of training data")
    ap.add_argument("--check-repeats", type=int, default=1,
                    help="with --check: takes of each object (clean, light, heavy each), so the check has this many "
                         "times the photos; the first take is the check without repeats")
    ap.add_argument("--cache", default="data/cache/real-backgrounds")
    ap.add_argument("--content", choices=["products", "site"], default="products",
                    help="site: the first-labels experiment's objects (realsrc.SITE_FOLDERS), never used in training; "
                         "every item is a real object")
    ap.add_argument("--pairs", action="store_true",
                    help="training data as counterfactual pairs: --items pairs of one object in one scene, clean and "
                         "damaged (two items each)")
    ap.add_argument("--extra-content", action="store_true",
                    help="training data only: add the train-only surfaces and wallpapers (realsrc.py --extra)")
    ap.add_argument("--extra-objects", action="store_true",
                    help="training data only: draw EXTRA_OBJECT_SHARE of the real objects from the train-only objects "
                         "(realsrc.py --extra-objects)")
    a = ap.parse_args()
    if a.extra_content and a.check:
        ap.error("--extra-content is train-only; the check never uses it")
    if a.extra_objects and (a.check or a.pairs or a.content != "products"):
        ap.error("--extra-objects is train-only product content: not with --check, --pairs or --content site")
    if a.pairs and (a.check or a.content != "products"):
        ap.error("--pairs is training data of train-side product objects: not with --check or --content site")
    if a.check_repeats < 1 or (a.check_repeats > 1 and not a.check):
        ap.error("--check-repeats is a whole number >= 1, for --check")
    pkg = generate(a.real, a.out, a.items, a.seed, a.workers, a.prefix, a.check, a.cache, content=a.content,
                   check_repeats=a.check_repeats, extra=a.extra_content, pairs=a.pairs,
                   extra_objects=a.extra_objects)
    print(pkg["counts"])


if __name__ == "__main__":
    main()
