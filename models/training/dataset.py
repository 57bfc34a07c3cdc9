"""The one loader: a dataset package (synthetic or exported by the app; folder or zip) -> training tensors.

Each image becomes
  * pixels: uint8 [S, S, 3] RGB, the photo stretched to S x S (see ``preprocess_image``);
  * grade: int index into GRADES (the image's item grade);
  * damage target: uint8 [G*G, 6], cell (r, c) at index r*G + c is 1 for a damage type when that
    type's annotation masks cover at least ``COVER_MIN`` of the cell (masks come from the COCO
    segmentation when present, else from the bbox, which is what hand-drawn export labels have);
  * ground-truth boxes (type, [x, y, w, h] in photo pixels) for region evaluation.
Preprocessed splits are cached as .npz under a cache folder keyed by the package's content hash.
"""
from __future__ import annotations

import io
import math
import os

import numpy as np
import torch
from PIL import Image, ImageOps

from package import annotation_mask, open_package
from rubric import DAMAGE_TYPES

MEAN = [0.5, 0.5, 0.5]
STD = [0.5, 0.5, 0.5]
COVER_MIN = 0.02
# A JPEG may shrink while it decodes (DCT scaling: an exact block average) down to this multiple of the input size;
# the antialiased resize does the rest. Training photos (about 1024 px) decode at 1/2 under any factor from 1.0 to
# 2.67; the factor matters for 12 MP phone photos (1/8 at 1.5, 2/8 at 2.0). decode_study.py measured 1.5 against 2.0.
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


def damage_target(anns: list, height: int, width: int, grid: int) -> np.ndarray:
    t = np.zeros((grid, grid, len(DAMAGE_TYPES)), np.uint8)
    for a in anns:
        m = annotation_mask(a, height, width).astype(np.float32)
        cover = np.asarray(Image.fromarray(m, mode="F").resize((grid, grid), Image.BOX))
        t[..., a["type"]] |= (cover >= COVER_MIN).astype(np.uint8)
    return t.reshape(grid * grid, len(DAMAGE_TYPES))


def load_split(package_path: str, split: str, image_size: int, grid: int, cache_dir: str | None = None,
               limit: int | None = None, verbose: bool = True) -> dict:
    """All images of one split as numpy arrays (cached). Keys: pixels, grade, damage, meta."""
    pkg = open_package(package_path)
    cache = None
    if cache_dir:
        os.makedirs(cache_dir, exist_ok=True)
        cache = os.path.join(cache_dir, f"{pkg.fingerprint()}_{split}_{image_size}_{grid}_{limit or 'all'}.npz")
        if os.path.exists(cache):
            z = np.load(cache, allow_pickle=True)
            return {"pixels": z["pixels"], "grade": z["grade"], "damage": z["damage"], "meta": list(z["meta"])}
    samples = pkg.samples(split)
    if limit:
        samples = samples[:limit]
    n = len(samples)
    pixels = np.zeros((n, image_size, image_size, 3), np.uint8)
    grade = np.zeros(n, np.int64)
    damage = np.zeros((n, grid * grid, len(DAMAGE_TYPES)), np.uint8)
    meta = []
    for i, s in enumerate(samples):
        pixels[i] = preprocess_image(pkg.read_image(s["file_name"]), image_size)
        grade[i] = s["grade_index"]
        damage[i] = damage_target(s["annotations"], s["height"], s["width"], grid)
        meta.append({"file_name": s["file_name"], "item_id": s["item_id"], "width": s["width"],
                     "height": s["height"], "boxes": [(a["type"], list(a["bbox"]), a["area"]) for a in s["annotations"]]})
        if verbose and (i + 1) % 1000 == 0:
            print(f"  preprocessed {i + 1}/{n} {split} images", flush=True)
    out = {"pixels": pixels, "grade": grade, "damage": damage, "meta": meta}
    if cache:
        np.savez(cache, pixels=pixels, grade=grade, damage=damage, meta=np.array(meta, dtype=object))
    return out


def concat_splits(splits: list) -> dict:
    """Several loaded splits (same image size and grid) as one."""
    if len(splits) == 1:
        return splits[0]
    return {k: [m for sp in splits for m in sp[k]] if k == "meta" else np.concatenate([sp[k] for sp in splits])
            for k in splits[0]}


def load_splits(package_paths: list, split: str, image_size: int, grid: int, cache_dir: str | None = None) -> dict:
    """The same split of several packages, concatenated (e.g. a second generated package's validation photos)."""
    return concat_splits([load_split(p, split, image_size, grid, cache_dir) for p in package_paths])


def to_tensor(pixels: np.ndarray) -> torch.Tensor:
    """uint8 [N, S, S, 3] -> normalized float32 NCHW (the model's ``pixel_values``)."""
    x = torch.from_numpy(pixels).permute(0, 3, 1, 2).float().div_(255.0)
    mean = torch.tensor(MEAN).view(1, 3, 1, 1)
    std = torch.tensor(STD).view(1, 3, 1, 1)
    return (x - mean) / std


def augment(x: torch.Tensor, damage: torch.Tensor, grid: int, gen: torch.Generator, rotate: bool = True):
    """Photometric jitter, flips and (rotate) quarter turns; flips and turns move the damage target too, exactly,
    because input and damage grid are both square. x normalized NCHW.

    Quarter turns make all eight symmetries of the square: a photo turned by 90 degrees is still a photo of the
    same item with the same grade, and the station's photos come in either orientation."""
    n = x.shape[0]
    k = damage.shape[-1]
    d = damage.view(n, grid, grid, k)
    hf = torch.rand(n, generator=gen) < 0.5
    vf = torch.rand(n, generator=gen) < 0.3
    x = torch.where(hf.view(n, 1, 1, 1), x.flip(3), x)
    d = torch.where(hf.view(n, 1, 1, 1), d.flip(2), d)
    x = torch.where(vf.view(n, 1, 1, 1), x.flip(2), x)
    d = torch.where(vf.view(n, 1, 1, 1), d.flip(1), d)
    if rotate:
        rot = torch.rand(n, generator=gen) < 0.5
        x = torch.where(rot.view(n, 1, 1, 1), x.rot90(1, (2, 3)), x)
        d = torch.where(rot.view(n, 1, 1, 1), d.rot90(1, (1, 2)), d)
    gain = 1 + 0.15 * (torch.rand(n, 1, 1, 1, generator=gen) * 2 - 1)
    chan = 1 + 0.05 * (torch.rand(n, 3, 1, 1, generator=gen) * 2 - 1)
    bias = 0.1 * (torch.rand(n, 1, 1, 1, generator=gen) * 2 - 1)
    noise = torch.randn(x.shape, generator=gen) * (0.03 * torch.rand(n, 1, 1, 1, generator=gen))
    x = (x * gain * chan + bias + noise).clamp(-1.0, 1.0)
    return x, d.reshape(n, grid * grid, k)
