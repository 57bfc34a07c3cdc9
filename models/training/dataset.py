"""The one loader: a dataset package (synthetic or exported by the app; folder or zip) -> training tensors.

Each image becomes
  * pixels: uint8 [S, S, 3] RGB, the photo stretched to S x S (see ``preprocess_image``);
  * grade: int index into GRADES (the image's item grade);
  * damage target: uint8 [G*G, 6], cell (r, c) at index r*G + c is 1 for a damage type when that
    type's annotation masks cover at least ``COVER_MIN`` of the cell (masks come from the COCO
    segmentation when present, else from the bbox, which is what hand-drawn export labels have),
    0 where they do not, and IGNORED (2) where only a box nobody checked does (below);
  * ground-truth boxes (type, [x, y, w, h] in photo pixels) for region evaluation.
An export's boxes the model drew and nobody touched (``source: "model"``, ADR 0051) are read by one of three settings
(``MODEL_BOX_SETTINGS``; train.py/retrain.py --model-boxes, for training and validation alike): ``ignore`` (the
default) marks the cells they touch IGNORED (2) for their type unless a person's box makes them damaged, so the damage
loss learns neither damage nor no damage there, and keeps them out of the ground-truth boxes (evaluation neither
misses them nor counts a detection on them as false: ``sample_meta``'s ``ignored_boxes``); ``keep`` reads them as a
person's boxes; ``drop`` leaves them out, which makes their cells undamaged targets: see ``Package.samples``.
Preprocessed splits are cached as .npz under a cache folder keyed by the package's content hash.

For a crop-to-item model (``ModelConfig.crop_to_item``) ``load_crop_split`` makes the training views instead: each
photo is stretched to the model's input size and cropped around its (jittered) item box the way the exported graph
crops (``model.crop_pixels``), a few variants per photo; each crop's damage target is computed from the annotation
masks over exactly the crop's area; the localizer's view (the whole photo shrunk) and the item box come along.
"""
from __future__ import annotations

import io
import math
import os

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageOps

from package import annotation_mask, is_model_box, open_package
from rubric import DAMAGE_TYPES

MEAN = [0.5, 0.5, 0.5]
STD = [0.5, 0.5, 0.5]
COVER_MIN = 0.02
# A damage-target value beside 0 (undamaged) and 1 (damaged): a cell nobody checked for that type (a box the model
# drew and nobody touched, under --model-boxes ignore). The damage loss leaves it out; augmentation moves it as it
# moves the others; pooling to a lower resolution keeps a damaged cell damaged before it keeps an ignored one ignored.
IGNORED = 2
# How a split reads the boxes the model drew and nobody touched (ADR 0051): the first is the default everywhere.
MODEL_BOX_SETTINGS = ("ignore", "keep", "drop")
# A JPEG may shrink while it decodes (DCT scaling: an exact block average) down to this multiple of the input size;
# the antialiased resize does the rest. For a 192 px input, training photos (about 1024 px) decode at 1/2 under any
# factor from 1.0 to 2.67; for 320 px (3.0.x) they decode whole under 1.5 and at 1/2 under 1.0. This is the training
# rule (the caches' keys do not include it: change it only with the caches rebuilt); a model's manifest may carry a
# lower one for inference (export.py --min-decoded-factor, measured with decode_study.py: ADR 0011, ADR 0013).
MIN_DECODED_FACTOR = 1.5


def shrink_on_load(im: Image.Image, size: int, min_decoded_factor: float | None = None) -> None:
    """Lets a JPEG decode shrunk (PIL draft) while it stays >= min_decoded_factor x size on both sides; no-op for
    other formats. im.size tells the decoded size afterwards."""
    if im.format == "JPEG":
        target = math.ceil((min_decoded_factor or MIN_DECODED_FACTOR) * size)
        im.draft("RGB", (target, target))


def preprocess_image(data: bytes, size: int, min_decoded_factor: float | None = None) -> np.ndarray:
    """JPEG/PNG bytes -> uint8 [size, size, 3] RGB.

    Same steps as the C# pipeline: apply EXIF orientation, convert to RGB, resize the whole photo to
    size x size (aspect ratio NOT preserved) with an antialiased bilinear (triangle) filter. JPEG
    decoding may first shrink by a power of two (DCT scaling) as long as the decoded image stays at
    least ``min_decoded_factor`` (default MIN_DECODED_FACTOR) x size on both sides.
    """
    im = Image.open(io.BytesIO(data))
    shrink_on_load(im, size, min_decoded_factor)
    im = ImageOps.exif_transpose(im).convert("RGB")
    im = im.resize((size, size), Image.BILINEAR)
    return np.asarray(im, dtype=np.uint8)


def damage_target(anns: list, height: int, width: int, grid: int, box: tuple | None = None,
                  ignore_model_boxes: bool = False) -> np.ndarray:
    """[grid*grid, 6] uint8: a cell is 1 for a type when that type's masks cover at least COVER_MIN of it. The grid
    spans the whole photo, or ``box`` (x0, y0, x1, y1 in photo pixels, fractional: a crop) when given.
    ignore_model_boxes: a box the model drew and nobody touched sets IGNORED, for its type, in every cell it covers at
    all (an unchecked box's edges are no surer than its middle), where no person's box makes the cell damaged."""
    t = np.zeros((grid, grid, len(DAMAGE_TYPES)), np.uint8)
    unchecked = np.zeros_like(t)
    for a in anns:
        m = annotation_mask(a, height, width).astype(np.float32)
        cover = np.asarray(Image.fromarray(m, mode="F").resize((grid, grid), Image.BOX, box=box))
        if ignore_model_boxes and is_model_box(a):
            unchecked[..., a["type"]] |= (cover > 0).astype(np.uint8)
        else:
            t[..., a["type"]] |= (cover >= COVER_MIN).astype(np.uint8)
    t[(unchecked == 1) & (t == 0)] = IGNORED
    return t.reshape(grid * grid, len(DAMAGE_TYPES))


def normalized_item_box(sample: dict) -> np.ndarray:
    """The sample's item box as (x0, y0, x1, y1) fractions of the photo, or NaNs when the package has none."""
    b = sample.get("item_box")
    if not b:
        return np.full(4, np.nan, np.float32)
    x, y, w, h = b
    W, H = sample["width"], sample["height"]
    return np.array([x / W, y / H, (x + w) / W, (y + h) / H], np.float32)


def sample_meta(s: dict, ignore_model_boxes: bool = False) -> dict:
    """What evaluation keeps of a sample: its file, item, photo size and ground-truth boxes (type, [x, y, w, h], area);
    under ignore_model_boxes the boxes the model drew and nobody touched are ``ignored_boxes`` instead, which region
    evaluation neither expects to be found nor counts a detection on as false (regions.region_metrics)."""
    def unchecked(a):
        return ignore_model_boxes and is_model_box(a)
    return {"file_name": s["file_name"], "item_id": s["item_id"], "width": s["width"], "height": s["height"],
            "boxes": [(a["type"], list(a["bbox"]), a["area"]) for a in s["annotations"] if not unchecked(a)],
            "ignored_boxes": [(a["type"], list(a["bbox"]), a["area"]) for a in s["annotations"] if unchecked(a)]}


def model_boxes_key(pkg, model_boxes: str) -> str:
    """The cache name's part for the boxes nobody checked (MODEL_BOX_SETTINGS): none for a package without any
    (synthetic ones, exports from before ADR 0051), so their caches stay valid; else which reading it is (a cache
    written before the option had them in its targets, under the bare name)."""
    if model_boxes not in MODEL_BOX_SETTINGS:
        raise ValueError(f"model_boxes must be one of {MODEL_BOX_SETTINGS}, not {model_boxes!r}")
    if not pkg.has_model_boxes:
        return ""
    return {"keep": "_modelboxes-kept", "drop": "_modelboxes-dropped", "ignore": "_modelboxes-ignored"}[model_boxes]


def read_samples(pkg, split: str, model_boxes: str) -> list:
    """Package.samples under a MODEL_BOX_SETTINGS reading (ignore reads them, to mark their cells)."""
    return pkg.samples(split, keep_model_boxes=model_boxes != "drop")


def load_split(package_path: str, split: str, image_size: int, grid: int, cache_dir: str | None = None,
               limit: int | None = None, verbose: bool = True, model_boxes: str = MODEL_BOX_SETTINGS[0]) -> dict:
    """All images of one split as numpy arrays (cached). Keys: pixels, grade, damage ([N, G*G, 6] 0/1, IGNORED in the
    cells of the boxes nobody checked under model_boxes "ignore"), item_box (normalized, NaN where the package has
    none), meta. model_boxes: how the boxes the model drew and nobody touched are read (the module's docstring)."""
    pkg = open_package(package_path)
    cache = None
    keys = ("pixels", "grade", "damage", "item_box")
    if cache_dir:
        os.makedirs(cache_dir, exist_ok=True)
        # "chosen": prefilled grades left as they were are not read (Package.samples); caches from before included them
        cache = os.path.join(cache_dir, f"{pkg.fingerprint()}_{split}_{image_size}_{grid}_{limit or 'all'}_chosen"
                                        f"{model_boxes_key(pkg, model_boxes)}.npz")
        if os.path.exists(cache):
            z = np.load(cache, allow_pickle=True)
            if all(k in z for k in keys):
                return {**{k: z[k] for k in keys}, "meta": list(z["meta"])}
    samples = read_samples(pkg, split, model_boxes)
    ignore = model_boxes == "ignore"
    if limit:
        samples = samples[:limit]
    n = len(samples)
    pixels = np.zeros((n, image_size, image_size, 3), np.uint8)
    grade = np.zeros(n, np.int64)
    damage = np.zeros((n, grid * grid, len(DAMAGE_TYPES)), np.uint8)
    item_box = np.zeros((n, 4), np.float32)
    meta = []
    for i, s in enumerate(samples):
        pixels[i] = preprocess_image(pkg.read_image(s["file_name"]), image_size)
        grade[i] = s["grade_index"]
        damage[i] = damage_target(s["annotations"], s["height"], s["width"], grid, ignore_model_boxes=ignore)
        item_box[i] = normalized_item_box(s)
        meta.append(sample_meta(s, ignore))
        if verbose and (i + 1) % 1000 == 0:
            print(f"  preprocessed {i + 1}/{n} {split} images", flush=True)
    out = {"pixels": pixels, "grade": grade, "damage": damage, "item_box": item_box, "meta": meta}
    if cache:
        np.savez(cache, pixels=pixels, grade=grade, damage=damage, item_box=item_box, meta=np.array(meta, dtype=object))
    return out


def concat_splits(splits: list) -> dict:
    """Several loaded splits (same image size and grid) as one."""
    if len(splits) == 1:
        return splits[0]
    return {k: [m for sp in splits for m in sp[k]] if k == "meta" else np.concatenate([sp[k] for sp in splits])
            for k in splits[0]}


def load_splits(package_paths: list, split: str, image_size: int, grid: int, cache_dir: str | None = None,
                model_boxes: str = MODEL_BOX_SETTINGS[0]) -> dict:
    """The same split of several packages, concatenated (e.g. a second generated package's validation photos).
    model_boxes: as load_split's."""
    return concat_splits([load_split(p, split, image_size, grid, cache_dir, model_boxes=model_boxes)
                          for p in package_paths])


def to_tensor(pixels: np.ndarray) -> torch.Tensor:
    """uint8 [N, S, S, 3] -> normalized float32 NCHW (the model's ``pixel_values``), contiguous: the bytes are put in
    NCHW order before they become floats (converting the permuted view kept channels-last strides: a training batch,
    32 x 192 px, took 6.2 ms median instead of 3.1; same values)."""
    x = torch.from_numpy(pixels).permute(0, 3, 1, 2).contiguous().float().div_(255.0)
    mean = torch.tensor(MEAN).view(1, 3, 1, 1)
    std = torch.tensor(STD).view(1, 3, 1, 1)
    return (x - mean) / std


def draw_symmetries(n: int, gen: torch.Generator, rotate: bool = True):
    """Per sample: horizontal flip (p 0.5), vertical flip (p 0.3), quarter turn (p 0.5, when rotate; else None)."""
    hf = torch.rand(n, generator=gen) < 0.5
    vf = torch.rand(n, generator=gen) < 0.3
    rot = torch.rand(n, generator=gen) < 0.5 if rotate else None
    return hf, vf, rot


def apply_symmetries(t: torch.Tensor, sym, h_dim: int, w_dim: int) -> torch.Tensor:
    """The drawn flips, then the quarter turn (torch.rot90(k=1) over (h_dim, w_dim)), of a batch t (batch first)."""
    hf, vf, rot = sym
    shape = (t.shape[0],) + (1,) * (t.dim() - 1)
    t = torch.where(hf.view(shape), t.flip(w_dim), t)
    t = torch.where(vf.view(shape), t.flip(h_dim), t)
    if rot is not None:
        t = torch.where(rot.view(shape), t.rot90(1, (h_dim, w_dim)), t)
    return t


def augment(x: torch.Tensor, damage: torch.Tensor, grid: int, gen: torch.Generator, rotate: bool = True):
    """Photometric jitter, flips and (rotate) quarter turns; flips and turns move the damage target too, exactly,
    because input and damage grid are both square. x normalized NCHW.

    Quarter turns make all eight symmetries of the square: a photo turned by 90 degrees is still a photo of the
    same item with the same grade, and the station's photos come in either orientation."""
    n = x.shape[0]
    k = damage.shape[-1]
    sym = draw_symmetries(n, gen, rotate)
    x = apply_symmetries(x, sym, 2, 3)
    d = apply_symmetries(damage.view(n, grid, grid, k), sym, 1, 2)
    gain = 1 + 0.15 * (torch.rand(n, 1, 1, 1, generator=gen) * 2 - 1)
    chan = 1 + 0.05 * (torch.rand(n, 3, 1, 1, generator=gen) * 2 - 1)
    bias = 0.1 * (torch.rand(n, 1, 1, 1, generator=gen) * 2 - 1)
    noise = torch.randn(x.shape, generator=gen) * (0.03 * torch.rand(n, 1, 1, 1, generator=gen))
    x = (x * gain * chan + bias + noise).clamp(-1.0, 1.0)
    return x, d.reshape(n, grid * grid, k)


def lower_resolution_view(x: torch.Tensor, damage: torch.Tensor, grid: int, size: int):
    """A batch of network views (normalized NCHW, damage targets [N, grid*grid, K]) at a lower resolution ``size``:
    pixels resampled with antialiasing, damage targets max-pooled onto the proportionally smaller grid, so a damaged
    cell stays damaged (and an IGNORED one ignored unless a damaged one shares its low cell). For training at a lower
    resolution first (train.py --low-res-size). Returns (x, damage, grid)."""
    n, k = damage.shape[0], damage.shape[-1]
    low_grid = grid * size // x.shape[-1]
    assert low_grid * x.shape[-1] == grid * size, "the lower resolution must keep whole damage cells"
    x = torch.nn.functional.interpolate(x, size=(size, size), mode="bilinear", align_corners=False, antialias=True)
    d = damage.view(n, grid, grid, k).permute(0, 3, 1, 2)
    damaged = torch.nn.functional.adaptive_max_pool2d((d == 1).float(), low_grid)
    ignored = torch.nn.functional.adaptive_max_pool2d((d == IGNORED).float(), low_grid)
    # a low cell holding any damaged cell is damaged; else any unchecked cell leaves it unchecked; else undamaged
    d = torch.where(damaged > 0, 1.0, torch.where(ignored > 0, float(IGNORED), 0.0)).permute(0, 2, 3, 1)
    return x, d.reshape(n, low_grid * low_grid, k).to(damage.dtype), low_grid


# ----------------------------------------------------------------------------- crop-to-item training

def jitter_box(box: torch.Tensor, gen: torch.Generator, sigma: float = 0.04) -> torch.Tensor:
    """Item boxes (normalized x0, y0, x1, y1, [N, 4]) with each edge moved by N(0, sigma x the box's size): training
    crops vary the way the localizer's boxes will."""
    size = (box[:, 2:4] - box[:, 0:2]).repeat(1, 2)
    from model import ordered_corners
    return ordered_corners(box + torch.randn(box.shape, generator=gen) * sigma * size).clamp(0.0, 1.0)


def to_u8(x: torch.Tensor) -> np.ndarray:
    """Normalized NCHW (``to_tensor``'s output) back to uint8 NHWC."""
    mean = torch.tensor(MEAN).view(1, 3, 1, 1)
    std = torch.tensor(STD).view(1, 3, 1, 1)
    return ((x * std + mean) * 255).round().clamp(0, 255).to(torch.uint8).permute(0, 2, 3, 1).numpy()


def load_crop_split(package_path: str, split: str, cfg, variants: int = 2, jitter: float = 0.04, seed: int = 0,
                    cache_dir: str | None = None, limit: int | None = None, locate=None, verbose: bool = True,
                    model_boxes: str = MODEL_BOX_SETTINGS[0]) -> dict:
    """Training views of one split for a crop-to-item model (``cfg``: its ModelConfig). Keys:
      pixels [N, V, S, S, 3] uint8: V crops per photo at the network's size S, each made like the exported graph does
        (photo stretched to cfg.frame_size, bilinear crop of expand_box(jittered item box));
      damage [N, V, G*G, 6] 0/1 (IGNORED as load_split's): each crop's target from the masks over exactly its area;
      small [N, L, L, 3] uint8: the whole photo as the localizer sees it (average-pooled to cfg.localizer_size);
      item_box [N, 4]: the recorded box (normalized x0, y0, x1, y1), NaN where the package has none; grade; meta.
    Photos without a recorded box are cropped around ``locate(frames)`` (a trained localizer, when fine-tuning) or
    the whole photo; such splits are not cached (the crops depend on the model). model_boxes: as load_split's."""
    from model import crop_pixels, expand_box, localizer_view
    pkg = open_package(package_path)
    samples = read_samples(pkg, split, model_boxes)
    ignore = model_boxes == "ignore"
    if limit:
        samples = samples[:limit]
    boxes = np.stack([normalized_item_box(s) for s in samples]) if samples else np.zeros((0, 4), np.float32)
    complete = not np.isnan(boxes).any()
    keys = ("pixels", "grade", "damage", "small", "item_box")
    cache = None
    if cache_dir and complete:
        os.makedirs(cache_dir, exist_ok=True)
        cache = os.path.join(cache_dir, f"{pkg.fingerprint()}_{split}_crop{cfg.frame_size}-{cfg.image_size}-"
                                        f"{cfg.damage_grid}-{cfg.localizer_size}-{cfg.crop_margin:g}-"
                                        f"{cfg.crop_min_size:g}-v{variants}-j{jitter:g}-s{seed}_{limit or 'all'}_chosen"
                                        f"{model_boxes_key(pkg, model_boxes)}.npz")
        if os.path.exists(cache):
            z = np.load(cache, allow_pickle=True)
            return {**{k: z[k] for k in keys}, "meta": list(z["meta"])}
    n, S, G, L = len(samples), cfg.image_size, cfg.damage_grid, cfg.localizer_size
    out = {"pixels": np.zeros((n, variants, S, S, 3), np.uint8), "grade": np.zeros(n, np.int64),
           "damage": np.zeros((n, variants, G * G, len(DAMAGE_TYPES)), np.uint8),
           "small": np.zeros((n, L, L, 3), np.uint8), "item_box": boxes, "meta": []}
    gen = torch.Generator().manual_seed(seed)
    chunk = 64
    for c0 in range(0, n, chunk):
        part = samples[c0:c0 + chunk]
        frames = to_tensor(np.stack([preprocess_image(pkg.read_image(s["file_name"]), cfg.frame_size) for s in part]))
        out["small"][c0:c0 + len(part)] = to_u8(localizer_view(frames, cfg))
        b = torch.from_numpy(boxes[c0:c0 + len(part)].copy())
        missing = torch.isnan(b[:, 0])
        if bool(missing.any()):
            with torch.no_grad():
                b[missing] = locate(frames[missing]) if locate is not None else torch.tensor([0.0, 0.0, 1.0, 1.0])
        for v in range(variants):
            crop = expand_box(jitter_box(b, gen, jitter), cfg.crop_margin, cfg.crop_min_size)
            out["pixels"][c0:c0 + len(part), v] = to_u8(crop_pixels(frames, crop, S))
            for j, s in enumerate(part):
                x0, y0, x1, y1 = crop[j].tolist()
                W, H = s["width"], s["height"]
                out["damage"][c0 + j, v] = damage_target(s["annotations"], H, W, G, (x0 * W, y0 * H, x1 * W, y1 * H),
                                                          ignore_model_boxes=ignore)
        for j, s in enumerate(part):
            out["grade"][c0 + j] = s["grade_index"]
            out["meta"].append(sample_meta(s, ignore))
        if verbose and (c0 // chunk) % 16 == 15:
            print(f"  cropped {c0 + len(part)}/{n} {split} images", flush=True)
    if cache:
        np.savez(cache, **{k: out[k] for k in keys}, meta=np.array(out["meta"], dtype=object))
    return out


def load_localizer_views(package_path: str, split: str, cfg, side: int, cache_dir: str | None = None) -> dict:
    """load_crop_split's ``small`` and ``item_box`` alone, at a view side of the caller's (a size localizer that sees
    more than the crop localizer: REPORT.md "Candidate K"), without the crops and damage targets that make
    load_crop_split slow. Photos without a recorded box are left out."""
    from model import localizer_view
    pkg = open_package(package_path)
    cache = (os.path.join(cache_dir, f"{pkg.fingerprint()}_{split}_views{cfg.frame_size}-{side}_chosen.npz")
             if cache_dir else None)
    if cache and os.path.exists(cache):
        z = np.load(cache)
        return {"small": z["small"], "item_box": z["item_box"]}
    samples = [s for s in pkg.samples(split) if not np.isnan(normalized_item_box(s)).any()]
    boxes = np.stack([normalized_item_box(s) for s in samples]) if samples else np.zeros((0, 4), np.float32)
    small = np.zeros((len(samples), side, side, 3), np.uint8)
    for c0 in range(0, len(samples), 64):
        part = samples[c0:c0 + 64]
        frames = to_tensor(np.stack([preprocess_image(pkg.read_image(s["file_name"]), cfg.frame_size) for s in part]))
        small[c0:c0 + len(part)] = to_u8(localizer_view(frames, cfg, side))
    if cache:
        os.makedirs(cache_dir, exist_ok=True)
        np.savez(cache, small=small, item_box=boxes)
    return {"small": small, "item_box": boxes}


def augment_frames(x: torch.Tensor, box: torch.Tensor, gen: torch.Generator, rotate: bool = True):
    """The localizer's augmentation: flips, quarter turns and photometric jitter of whole photos x (normalized NCHW,
    square), with their item boxes (normalized x0, y0, x1, y1) moved to match exactly."""
    n = x.shape[0]
    sym = draw_symmetries(n, gen, rotate)
    hf, vf, rot = sym
    x = apply_symmetries(x, sym, 2, 3)
    x0, y0, x1, y1 = box.unbind(1)
    x0, x1 = torch.where(hf, 1 - x1, x0), torch.where(hf, 1 - x0, x1)
    y0, y1 = torch.where(vf, 1 - y1, y0), torch.where(vf, 1 - y0, y1)
    if rot is not None:
        # torch.rot90(k=1, dims=(2, 3)): the pixel at (x, y) moves to (y, 1 - x)
        x0, y0, x1, y1 = (torch.where(rot, y0, x0), torch.where(rot, 1 - x1, y0),
                          torch.where(rot, y1, x1), torch.where(rot, 1 - x0, y1))
    gain = 1 + 0.15 * (torch.rand(n, 1, 1, 1, generator=gen) * 2 - 1)
    bias = 0.1 * (torch.rand(n, 1, 1, 1, generator=gen) * 2 - 1)
    x = (x * gain + bias).clamp(-1.0, 1.0)
    return x, torch.stack([x0, y0, x1, y1], 1)


def zoom_out_frames(x: torch.Tensor, box: torch.Tensor, gen: torch.Generator, share: float, max_zoom: float,
                    backgrounds: torch.Tensor | None = None, exact_zoom: bool = False, clutter: list | None = None,
                    max_clutter: int = 0):
    """The localizer's view of a photo taken from further away (issue 17's too-small-item warning): for a --share of
    the photos x (normalized NCHW, square), the photo shrunk by k (log-uniform in [1, max_zoom], area filter) and put
    at a random place on a canvas of its own size, with its item box (normalized x0, y0, x1, y1) moved to match.
    The canvas is a random crop of one of ``backgrounds`` (normalized [3, H, W] each, at least x's size; real scenes)
    or, without them or for a third of the photos, the photo's own border colour (median of its edge pixels).
    exact_zoom: every chosen photo shrunk by max_zoom itself (for measuring).
    clutter: objects ([4, h, w] each: normalized RGB and alpha in 0..1; real cut-out photos) of which 0 to max_clutter
    are laid on a scene canvas first, each at 0.3-1.2x the shrunk photo's side, anywhere: other things on the surface
    around the item, which its box must leave out (candidate O). Never on a border-colour canvas."""
    n, _, side, _ = x.shape
    x, box = x.clone(), box.clone()
    chosen = torch.nonzero(torch.rand(n, generator=gen) < share).flatten().tolist()
    for i in chosen:
        k = max_zoom if exact_zoom else float(torch.exp(torch.rand(1, generator=gen) * math.log(max_zoom)))
        s = max(4, round(side / k))
        if s >= side:
            continue
        small = F.interpolate(x[i:i + 1], size=(s, s), mode="area")[0]
        if backgrounds is not None and len(backgrounds) and float(torch.rand(1, generator=gen)) > 1 / 3:
            bg = backgrounds[int(torch.randint(len(backgrounds), (1,), generator=gen))]
            by = int(torch.randint(bg.shape[1] - side + 1, (1,), generator=gen))
            bx = int(torch.randint(bg.shape[2] - side + 1, (1,), generator=gen))
            canvas = bg[:, by:by + side, bx:bx + side].clone()
            if clutter and max_clutter > 0:
                lay_clutter(canvas, clutter, int(torch.randint(max_clutter + 1, (1,), generator=gen)), s, gen)
        else:
            edge = torch.cat([x[i, :, 0], x[i, :, -1], x[i, :, :, 0], x[i, :, :, -1]], dim=1)
            canvas = edge.median(dim=1).values.view(3, 1, 1).expand(3, side, side).clone()
        oy = int(torch.randint(side - s + 1, (1,), generator=gen))
        ox = int(torch.randint(side - s + 1, (1,), generator=gen))
        canvas[:, oy:oy + s, ox:ox + s] = small
        x[i] = canvas
        f = s / side
        box[i] = box[i] * f + torch.tensor([ox / side, oy / side, ox / side, oy / side])
    return x, box


def lay_clutter(canvas: torch.Tensor, clutter: list, count: int, item_side: int, gen: torch.Generator):
    """Lay ``count`` of the clutter objects ([4, h, w]: normalized RGB, alpha) on canvas ([3, S, S], in place), each
    with its long side 0.3-1.2x item_side, at a random place (cut at the canvas' edge)."""
    side = canvas.shape[1]
    for _ in range(count):
        obj = clutter[int(torch.randint(len(clutter), (1,), generator=gen))]
        long = max(2, round(item_side * (0.3 + 0.9 * float(torch.rand(1, generator=gen)))))
        h, w = obj.shape[1:]
        f = long / max(h, w)
        oh, ow = max(1, round(h * f)), max(1, round(w * f))
        o = F.interpolate(obj.unsqueeze(0), size=(oh, ow), mode="area")[0]
        y = int(torch.randint(-oh // 2, side - oh // 2 + 1, (1,), generator=gen))
        x = int(torch.randint(-ow // 2, side - ow // 2 + 1, (1,), generator=gen))
        y0, x0, y1, x1 = max(y, 0), max(x, 0), min(y + oh, side), min(x + ow, side)
        if y1 <= y0 or x1 <= x0:
            continue
        part = o[:, y0 - y:y1 - y, x0 - x:x1 - x]
        alpha = part[3:4]
        canvas[:, y0:y1, x0:x1] = alpha * part[:3] + (1 - alpha) * canvas[:, y0:y1, x0:x1]


def zoom_in_frames(x: torch.Tensor, box: torch.Tensor, gen: torch.Generator, share: float, max_zoom: float):
    """The localizer's view of a close-up (the other side of the too-small-item warning: a photo so close that the item
    overflows the frame must not read as small): for a --share of the photos x (normalized NCHW, square), a window of
    1/k of the side (k log-uniform in [1, max_zoom]) centred at a random point of the item box, enlarged back to the
    photo's size (bilinear), with the item box moved and cut to the window."""
    n, _, side, _ = x.shape
    x, box = x.clone(), box.clone()
    chosen = torch.nonzero(torch.rand(n, generator=gen) < share).flatten().tolist()
    for i in chosen:
        k = float(torch.exp(torch.rand(1, generator=gen) * math.log(max_zoom)))
        w = 1.0 / k
        x0, y0, x1, y1 = box[i].tolist()
        cx = x0 + float(torch.rand(1, generator=gen)) * (x1 - x0)
        cy = y0 + float(torch.rand(1, generator=gen)) * (y1 - y0)
        s = max(4, round(side * w))
        ox = min(max(round(cx * side - s / 2), 0), side - s)
        oy = min(max(round(cy * side - s / 2), 0), side - s)
        window = x[i:i + 1, :, oy:oy + s, ox:ox + s]
        x[i] = F.interpolate(window, size=(side, side), mode="bilinear", align_corners=False)[0]
        f, fx, fy = s / side, ox / side, oy / side
        box[i] = ((box[i] - torch.tensor([fx, fy, fx, fy])) / f).clamp(0.0, 1.0)
    return x, box
