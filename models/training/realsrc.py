"""Real image content from Debian packages: whole objects, backgrounds and surface textures.

Usage:
    /usr/bin/python3 realsrc.py --out data/real          # apt-get download + unpack (root or sudo), ~340 MB

The photos are not committed; this script fetches them by package name from Debian's archive and records each
package's version and licence in ``data/real/sources.json`` (the dataset cards copy it). What each package gives:

| package | what we take | licence (debian/copyright) |
|---|---|---|
| tuxpaint-stamps-default | ~150 photos of everyday objects cut out with an alpha channel (fruit, vegetables, dishes, tools, instruments, balls, vehicles, flowers...) | GPL-2 |
| gimp-data | GIMP's pattern textures (.pat: wood, marble, fabric, paper, stone, ...) | GPL-3+ |
| plasma-workspace-wallpapers | KDE Plasma wallpapers (photos and artwork), used as backgrounds | GPL-2+ |
| ukui-wallpapers | UKUI wallpapers (landscape photos), used as backgrounds | CC-BY-SA-3.0 |

``--extra`` adds the train-only EXTRA_PACKAGES below (more surfaces and wallpapers, never on the check side), and
``--extra-objects`` the train-only EXTRA_OBJECT_PACKAGES (whole objects of other kinds, never on the check side).

Every object, background and texture is assigned once, by a hash of its name, to the **check** (about a quarter) or the
**train** side: realcheck.py builds the real-photo check from check-side content only and realmix.py trains on
train-side content only, so no object, background or texture of the check is ever seen in training.

RESERVED: the images of ``python3-skimage`` and ``opencv-doc`` are kept for an independent check of the model. This
module refuses to read them, and nothing in training may use them or choose between models by them.
"""
from __future__ import annotations

import argparse
import glob
import hashlib
import json
import os
import struct
import subprocess

import numpy as np
from PIL import Image

PACKAGES = {
    "tuxpaint-stamps-default": "GPL-2",
    "gimp-data": "GPL-3+",
    "plasma-workspace-wallpapers": "GPL-2+",
    "ukui-wallpapers": "CC-BY-SA-3.0",
}
# Train-only content (issue 15, v19): more surfaces and scenes for domain randomization. None of it is ever split to the
# check side, so the real-photo check (built from PACKAGES' check side) stays photo for photo what it was.
EXTRA_PACKAGES = {
    "gimp-data-extras": "GPL-2+",                  # 110 more GIMP patterns
    "mypaint-data-extras": "CC0-1.0",              # paper and canvas backgrounds (mrmamurk, ramon: CC0-1.0)
    "mate-backgrounds": "GPL-2+ / CC-BY-SA-4.0",   # nature photos and abstract wallpapers
    "gnome-backgrounds": "CC-BY-SA-3.0",           # wallpapers (photos and artwork)
    "lomiri-wallpapers": "CC-BY-SA-3.0",
}
# Train-only objects (issue 15, v24): the check's objects are Tux Paint photos training has never seen, and training
# has seen 74 others (112 files; the loader keeps 74). These add thousands of objects of other kinds, so that an object's own print, texture and
# outline, seen for the first time, is not read as damage. Never on the check side: the check stays what it was.
EXTRA_OBJECT_PACKAGES = {
    "oxygen-icon-theme": "LGPL-3+",                # 256 px renderings of devices and appliances (headphones, printers,
                                                   # drives, phones, cameras), applications and tools
    "openclipart-png": "public domain (Open Clip Art Library dedication)",   # ~8 000 drawings of objects and signs
}
OXYGEN_FOLDERS = ["devices", "apps", "actions", "applets", "categories"]   # not mimetypes/places: hundreds of alike
EXTRA_OBJECT_MAX_PIXELS = 16_000_000   # a few drawings are exported at up to 170 Mpx: seconds and GBs to decode
EXTRA_OBJECT_MAX_SIDE = 640    # px: clip art is up to 4 000 px; Tux Paint's photos are at most about this size
RESERVED_PACKAGES = {"python3-skimage", "opencv-doc"}
assert not RESERVED_PACKAGES & (set(PACKAGES) | set(EXTRA_PACKAGES) | set(EXTRA_OBJECT_PACKAGES))

# Tux Paint stamp folders that hold photos of objects (not drawings, not symbols, not people or landscapes).
OBJECT_FOLDERS = ["food", "household", "hobbies", "sports", "medical", "vehicles", "plants/flowers",
                  "plants/mushrooms", "animals/mammals/bears/toys", "people/toys"]
EXCLUDE_PARTS = ["cartoon", "clothes", "symbols"]
# A second, disjoint set of object photos that training never sees: the "new site" of the first-labels experiment
# (realmix.py --content site): what a site's first few hundred confirmed grades buy on content new to the model.
SITE_FOLDERS = ["seasonal", "animals"]
MIN_OBJECT_SIDE = 80          # px: smaller stamps are icons, not photos
CHECK_SHARE = 25              # percent of objects, backgrounds and textures kept for the real-photo check
BACKGROUND_MAX_SIDE = 1400    # wallpapers are cached at this size (some are 5120 px)


def side_of(name: str) -> str:
    """'check' or 'train' for a content name, fixed forever: sha256 of the name, first 8 hex digits, % 100."""
    bucket = int(hashlib.sha256(name.encode("utf-8")).hexdigest()[:8], 16) % 100
    return "check" if bucket < CHECK_SHARE else "train"


def _refuse_reserved(path: str):
    for p in RESERVED_PACKAGES:
        if p in path:
            raise ValueError(f"{path}: images of {p} are reserved for an independent check and are never read here")


def fetch(out: str, extra: bool = False, extra_objects: bool = False) -> dict:
    """apt-get download each package (with ``extra`` the train-only EXTRA_PACKAGES, with ``extra_objects`` the
    train-only EXTRA_OBJECT_PACKAGES) into OUT/debs and unpack it into OUT/x/PACKAGE; write OUT/sources.json (train-only
    packages marked ``"train_only": true``; packages fetched by an earlier call stay listed)."""
    debs, x = os.path.join(out, "debs"), os.path.join(out, "x")
    os.makedirs(debs, exist_ok=True)
    path = os.path.join(out, "sources.json")
    sources = {}
    if os.path.isfile(path):   # keep what an earlier call fetched (realsrc.py --extra, then --extra-objects)
        with open(path) as f:
            sources = json.load(f)
    wanted = (list(PACKAGES.items()) + (list(EXTRA_PACKAGES.items()) if extra else [])
              + (list(EXTRA_OBJECT_PACKAGES.items()) if extra_objects else []))
    for pkg, licence in wanted:
        have = glob.glob(os.path.join(debs, pkg + "_*.deb"))
        if not have:
            subprocess.run(["apt-get", "download", pkg], cwd=debs, check=True)
            have = glob.glob(os.path.join(debs, pkg + "_*.deb"))
        deb = sorted(have)[-1]
        target = os.path.join(x, pkg)
        if not os.path.isdir(target):
            os.makedirs(target)
            subprocess.run(["dpkg-deb", "-x", deb, target], check=True)
        version = subprocess.run(["dpkg-deb", "-f", deb, "Version"], capture_output=True, text=True,
                                 check=True).stdout.strip()
        sources[pkg] = {"version": version, "licence": licence, "deb": os.path.basename(deb),
                        **({"train_only": True} if pkg in EXTRA_PACKAGES or pkg in EXTRA_OBJECT_PACKAGES else {})}
    with open(os.path.join(out, "sources.json"), "w") as f:
        json.dump(sources, f, indent=2)
    return sources


def read_sources(root: str) -> dict:
    with open(os.path.join(root, "sources.json")) as f:
        return json.load(f)


def object_files(root: str, folders: list | None = None) -> list:
    base = os.path.join(root, "x", "tuxpaint-stamps-default", "usr", "share", "tuxpaint", "stamps")
    files = []
    for folder in folders or OBJECT_FOLDERS:
        for f in sorted(glob.glob(os.path.join(base, folder, "**", "*.png"), recursive=True)):
            rel = os.path.relpath(f, base)
            if any(p in rel for p in EXCLUDE_PARTS) or rel.endswith("_mirror.png"):
                continue
            files.append((rel[:-4], f))
    return files


def load_object(path):
    """RGBA stamp (a path, or an opened image) -> (rgb float32 [h,w,3] in 0..1, alpha float32 [h,w]) cropped to its
    alpha, or None if too small."""
    if isinstance(path, str):
        _refuse_reserved(path)
        path = Image.open(path)
    im = path.convert("RGBA")
    a = np.asarray(im)[..., 3]
    ys, xs = np.nonzero(a > 20)
    if len(ys) == 0:
        return None
    im = im.crop((int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1))
    w, h = im.size
    fill = (np.asarray(im)[..., 3] > 127).mean()
    # icons, and thin or sparse shapes (a pen seen edge-on, a bicycle) that leave no surface for damage
    if max(w, h) < MIN_OBJECT_SIDE or min(w, h) < 0.25 * max(w, h) or fill < 0.25:
        return None
    arr = np.asarray(im, dtype=np.float32) / 255.0
    return arr[..., :3].copy(), arr[..., 3].copy()


def objects(root: str, side: str, content: str = "products") -> list:
    """[(name, path)] of object photos on one side ('check' or 'train'); content 'products' (training and the
    real-photo check) or 'site' (the first-labels experiment: folders training never uses)."""
    folders = SITE_FOLDERS if content == "site" else OBJECT_FOLDERS
    return [(n, p) for n, p in object_files(root, folders) if side_of("object:" + n) == side]


def read_gimp_pattern(path: str) -> np.ndarray:
    """GIMP .pat (header: size, version, width, height, bytes per pixel, 'GPAT', name; then raw pixels) -> uint8 RGB."""
    _refuse_reserved(path)
    with open(path, "rb") as f:
        data = f.read()
    header_size, version, w, h, bpp = struct.unpack(">5I", data[:20])
    if data[20:24] != b"GPAT" or bpp not in (1, 2, 3, 4):
        raise ValueError(f"{path}: not a GIMP pattern")
    px = np.frombuffer(data[header_size:header_size + w * h * bpp], np.uint8).reshape(h, w, bpp)
    if bpp in (1, 2):
        px = np.repeat(px[..., :1], 3, axis=2)
    return np.ascontiguousarray(px[..., :3])


def textures(root: str, side: str) -> list:
    """[(name, path)] of GIMP patterns of at least 48 px on one side."""
    base = os.path.join(root, "x", "gimp-data", "usr", "share", "gimp", "2.0", "patterns")
    out = []
    for f in sorted(glob.glob(os.path.join(base, "**", "*.pat"), recursive=True)):
        name = "texture:" + os.path.relpath(f, base)
        if side_of(name) == side:
            out.append((name, f))
    return out


def background_files(root: str) -> list:
    """Wallpapers: the largest image of each Plasma wallpaper (light variant) and every UKUI wallpaper."""
    files = []
    for d in sorted(glob.glob(os.path.join(root, "x", "plasma-workspace-wallpapers", "usr", "share", "wallpapers", "*"))):
        imgs = glob.glob(os.path.join(d, "contents", "images", "*.*"))
        if imgs:
            best = max(imgs, key=lambda p: os.path.getsize(p))
            files.append(("wallpaper:plasma/" + os.path.basename(d), best))
    for f in sorted(glob.glob(os.path.join(root, "x", "ukui-wallpapers", "usr", "share", "**", "*.*"), recursive=True)):
        if f.lower().endswith((".jpg", ".jpeg", ".png")) and os.path.getsize(f) > 100_000:
            files.append(("wallpaper:ukui/" + os.path.basename(f), f))
    return files


def backgrounds(root: str, side: str) -> list:
    return [(n, p) for n, p in background_files(root) if side_of(n) == side]


def load_background(path: str, cache_dir: str | None = None) -> np.ndarray:
    """A wallpaper as uint8 RGB, no larger than BACKGROUND_MAX_SIDE (cached as JPEG, since decoding a 5120 px PNG
    per photo would dominate generation time)."""
    _refuse_reserved(path)
    if cache_dir:
        key = hashlib.sha256(path.encode()).hexdigest()[:16] + ".jpg"
        cached = os.path.join(cache_dir, key)
        if os.path.exists(cached):
            return np.asarray(Image.open(cached).convert("RGB"))
    im = Image.open(path)
    im.draft("RGB", (BACKGROUND_MAX_SIDE, BACKGROUND_MAX_SIDE))
    im = im.convert("RGB")
    im.thumbnail((BACKGROUND_MAX_SIDE, BACKGROUND_MAX_SIDE), Image.LANCZOS)
    if cache_dir:
        os.makedirs(cache_dir, exist_ok=True)
        im.save(cached, quality=92)
        # what later runs read (the JPEG, not the pixels it was made from): a package built with a cold cache is then
        # the same as one built with a warm one
        return np.asarray(Image.open(cached).convert("RGB"))
    return np.asarray(im)


def extra_textures(root: str) -> list:
    """[(name, path)] of the train-only surfaces: gimp-data-extras' patterns and MyPaint's paper backgrounds."""
    x = os.path.join(root, "x")
    pats = sorted(glob.glob(os.path.join(x, "gimp-data-extras", "usr", "share", "gimp", "2.0", "patterns", "**", "*.pat"),
                            recursive=True))
    papers = sorted(glob.glob(os.path.join(x, "mypaint-data-extras", "usr", "share", "mypaint", "backgrounds", "**",
                                           "*.png"), recursive=True))
    return [("extra-texture:" + os.path.relpath(f, x), f) for f in pats + papers]


def read_texture(path: str) -> np.ndarray:
    """A surface as uint8 RGB: a GIMP pattern, or an image file (flattened on mid grey where it has transparency)."""
    if path.endswith(".pat"):
        return read_gimp_pattern(path)
    _refuse_reserved(path)
    im = Image.open(path).convert("RGBA")
    flat = Image.new("RGBA", im.size, (128, 128, 128, 255))
    flat.alpha_composite(im)
    return np.asarray(flat.convert("RGB"))


def extra_background_files(root: str) -> list:
    """[(name, path)] of the train-only wallpapers: MATE's, GNOME's (not its empty placeholders) and Lomiri's."""
    x = os.path.join(root, "x")
    files = []
    for pkg in ("mate-backgrounds", "gnome-backgrounds", "lomiri-wallpapers"):
        for f in sorted(glob.glob(os.path.join(x, pkg, "usr", "share", "backgrounds", "**", "*.*"), recursive=True)):
            if f.lower().endswith((".jpg", ".jpeg", ".png", ".webp")) and os.path.getsize(f) > 50_000:
                files.append(("extra-wallpaper:" + os.path.relpath(f, x), f))
    return files


def extra_background_half(root: str, half: str) -> list:
    """One half of the train-only wallpapers, fixed by a hash of the name (as side_of): 'localizer', the scenes a size
    localizer may train on (candidate O, localizer_zoom.py --extra-scenes), or 'rule', the others, which size_rule.py
    --scenes-half rule fits the too-small line on, so that it is still fitted on scenes the localizer has not seen."""
    if half not in ("localizer", "rule"):
        raise ValueError(f"half is 'localizer' or 'rule', not {half!r}")
    bucket = {"localizer": 0, "rule": 1}[half]
    return [(n, p) for n, p in extra_background_files(root)
            if int(hashlib.sha256(n.encode("utf-8")).hexdigest()[8:16], 16) % 2 == bucket]


def extra_object_files(root: str) -> list:
    """[(name, path)] of the train-only objects: Oxygen's 256 px icons of OXYGEN_FOLDERS and Open Clip Art's PNGs."""
    x = os.path.join(root, "x")
    files = []
    for folder in OXYGEN_FOLDERS:
        files += sorted(glob.glob(os.path.join(x, "oxygen-icon-theme", "usr", "share", "icons", "oxygen", "base",
                                               "256x256", folder, "*.png")))
    files += sorted(glob.glob(os.path.join(x, "openclipart-png", "usr", "share", "openclipart", "png", "**", "*.png"),
                              recursive=True))
    return [("extra-object:" + os.path.relpath(f, x), f) for f in files]


def load_extra_object(path: str):
    """load_object for a train-only object, shrunk to EXTRA_OBJECT_MAX_SIDE first (a 4 000 px drawing costs seconds
    to paint on and adds nothing at 192 px); None where load_object would refuse it."""
    _refuse_reserved(path)
    im = Image.open(path)   # reads the header only
    if im.size[0] * im.size[1] > EXTRA_OBJECT_MAX_PIXELS:
        return None
    if max(im.size) > EXTRA_OBJECT_MAX_SIDE:
        im = im.convert("RGBA")
        im.thumbnail((EXTRA_OBJECT_MAX_SIDE, EXTRA_OBJECT_MAX_SIDE), Image.LANCZOS)
    return load_object(im)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="data/real")
    ap.add_argument("--extra", action="store_true", help="also the train-only EXTRA_PACKAGES (realmix.py --extra-content)")
    ap.add_argument("--extra-objects", action="store_true",
                    help="also the train-only EXTRA_OBJECT_PACKAGES (realmix.py --extra-objects)")
    a = ap.parse_args()
    sources = fetch(a.out, a.extra, a.extra_objects)
    print(json.dumps(sources, indent=2))
    for side in ("train", "check"):
        print(side, "objects", len(objects(a.out, side)), "textures", len(textures(a.out, side)),
              "backgrounds", len(backgrounds(a.out, side)))
    if a.extra:
        print("train only: textures", len(extra_textures(a.out)), "backgrounds", len(extra_background_files(a.out)))
    if a.extra_objects:
        print("train only: object files", len(extra_object_files(a.out)))


if __name__ == "__main__":
    main()
