"""Dataset package: writer and reader (folder or zip). The format is specified in docs/dataset-package.md.

The same package is written by synth.py (synthetic photos) and by the app's label export (real photos),
and read by dataset.py for training, so this module is the single Python definition of the format.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import posixpath
import shutil
import zipfile
from datetime import datetime, timezone

import numpy as np

from rubric import DAMAGE_TYPES, GRADE_POINT_RANGES, GRADES, RUBRIC_VERSION, SEVERITY_POINTS

FORMAT_NAME = "returns-grader-dataset"
FORMAT_VERSION = "1.0"
SPLITS = ["train", "validation", "test"]
# COCO annotations[].source of a box the model drew and nobody touched (ADR 0051); the others: accepted, edited, added
MODEL_BOX_SOURCE = "model"


def split_for(item_id: str) -> str:
    """Deterministic split of an item: first 8 hex digits of sha256(UTF-8 item id) as an unsigned
    integer, modulo 100: 0-79 train, 80-89 validation, 90-99 test. All photos of an item share it."""
    bucket = int(hashlib.sha256(item_id.encode("utf-8")).hexdigest()[:8], 16) % 100
    return "train" if bucket < 80 else ("validation" if bucket < 90 else "test")


# ----------------------------------------------------------------------------- COCO RLE (uncompressed)

def rle_encode(mask: np.ndarray) -> dict:
    """COCO uncompressed RLE: run lengths over the mask in column-major order, starting with a run of 0s."""
    h, w = mask.shape
    flat = np.asarray(mask, dtype=bool).T.reshape(-1)
    change = np.flatnonzero(flat[1:] != flat[:-1]) + 1
    bounds = np.concatenate([[0], change, [flat.size]])
    runs = np.diff(bounds).tolist()
    if flat.size and flat[0]:
        runs = [0] + runs
    return {"size": [int(h), int(w)], "counts": [int(r) for r in runs]}


def rle_decode(rle: dict) -> np.ndarray:
    h, w = rle["size"]
    counts = rle["counts"]
    if isinstance(counts, str):
        raise ValueError("compressed RLE strings are not supported; write uncompressed counts")
    flat = np.zeros(h * w, dtype=bool)
    pos, val = 0, False
    for c in counts:
        if val:
            flat[pos:pos + c] = True
        pos += c
        val = not val
    return flat.reshape(w, h).T


def mask_bbox(mask: np.ndarray):
    ys, xs = np.nonzero(mask)
    x0, y0 = int(xs.min()), int(ys.min())
    return [x0, y0, int(xs.max()) - x0 + 1, int(ys.max()) - y0 + 1]


# ----------------------------------------------------------------------------- writer

class PackageWriter:
    def __init__(self, out: str, source: str = "synthetic", generator: dict | None = None):
        self.out = out
        if os.path.exists(out):
            shutil.rmtree(out)
        for s in SPLITS:
            os.makedirs(os.path.join(out, "images", s), exist_ok=True)
        os.makedirs(os.path.join(out, "annotations"), exist_ok=True)
        self.source = source
        self.generator = generator
        self.images, self.annotations, self.rows = [], [], {s: [] for s in SPLITS}
        self.split_overridden = False

    def add_item(self, item_id: str, grade: str, photos: list, extra: dict | None = None, split: str | None = None):
        """photos: [{"jpeg": bytes, "width", "height", "annotations": [{"type", "mask"| "bbox", "source"?}], "extra": {}}]
        split: None = the split rule (split_for); a check package puts every item in "test" (recorded in package.json)."""
        if grade not in GRADES:
            raise ValueError(f"unknown grade {grade!r}")
        if split is not None and split not in SPLITS:
            raise ValueError(f"unknown split {split!r}")
        if split is not None and split != split_for(item_id):
            self.split_overridden = True
        split = split or split_for(item_id)
        names = []
        for v, ph in enumerate(photos):
            image_id = len(self.images) + 1
            rel = f"{split}/{item_id}_{v}.jpg"
            with open(os.path.join(self.out, "images", rel), "wb") as f:
                f.write(ph["jpeg"])
            img = {"id": image_id, "file_name": rel, "width": int(ph["width"]), "height": int(ph["height"]),
                   "item_id": item_id, "grade": grade, "split": split, "view": v}
            img.update(ph.get("extra") or {})
            self.images.append(img)
            names.append(f"{item_id}_{v}.jpg")
            for a in ph["annotations"]:
                ann = {"id": len(self.annotations) + 1, "image_id": image_id,
                       "category_id": DAMAGE_TYPES.index(a["type"]) + 1, "iscrowd": 0}
                if "mask" in a:
                    m = a["mask"]
                    ann["bbox"] = mask_bbox(m)
                    ann["area"] = int(m.sum())
                    ann["segmentation"] = rle_encode(m)
                else:
                    x, y, w, h = a["bbox"]
                    ann["bbox"] = [x, y, w, h]
                    ann["area"] = w * h
                if "source" in a:   # an export's account of the box (ADR 0051); generated boxes have none
                    ann["source"] = a["source"]
                self.annotations.append(ann)
        counts = {t: 0 for t in DAMAGE_TYPES}
        # item-level damage = damage annotated on its first photo (synthetic views all show everything)
        first_id = len(self.images) - len(photos) + 1
        for a in self.annotations:
            if a["image_id"] == first_id:
                counts[DAMAGE_TYPES[a["category_id"] - 1]] += 1
        row = {"file_names": names, "item_id": item_id, "grade": grade, "grade_index": GRADES.index(grade),
               "severity_points": sum(SEVERITY_POINTS[t] * n for t, n in counts.items()),
               "damage_counts": counts}
        row.update(extra or {})
        self.rows[split].append(row)

    def finish(self, zip_output: bool = False) -> dict:
        categories = [{"id": i + 1, "name": t, "supercategory": "damage", "severity_points": SEVERITY_POINTS[t]}
                      for i, t in enumerate(DAMAGE_TYPES)]
        now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        coco = {"info": {"description": "Returns.Grader dataset package", "version": FORMAT_VERSION,
                         "date_created": now, "rubric_version": RUBRIC_VERSION},
                "licenses": [], "images": self.images, "annotations": self.annotations, "categories": categories}
        with open(os.path.join(self.out, "annotations", "coco.json"), "w") as f:
            json.dump(coco, f, separators=(",", ":"))
        for s in SPLITS:
            with open(os.path.join(self.out, "images", s, "metadata.jsonl"), "w") as f:
                for r in self.rows[s]:
                    f.write(json.dumps(r) + "\n")
        counts = summarize(self.images, self.annotations, self.rows)
        pkg = {"format": FORMAT_NAME, "format_version": FORMAT_VERSION, "rubric_version": RUBRIC_VERSION,
               "created_utc": now, "source": self.source, "grades": GRADES, "damage_types": DAMAGE_TYPES,
               "severity_points": SEVERITY_POINTS,
               "grade_point_ranges": {g: list(r) for g, r in GRADE_POINT_RANGES.items()},
               "split_rule": "sha256(item_id utf-8) first 8 hex digits as uint32 % 100: 0-79 train, "
                             "80-89 validation, 90-99 test",
               "counts": counts}
        if self.split_overridden:
            pkg["split_rule"] = "set by the writer (a check package: every item in test), not the sha256 rule"
        if self.generator:
            pkg["generator"] = self.generator
        with open(os.path.join(self.out, "package.json"), "w") as f:
            json.dump(pkg, f, indent=2)
        with open(os.path.join(self.out, "dataset_card.md"), "w") as f:
            f.write(dataset_card(pkg))
        if zip_output:
            zpath = self.out.rstrip("/") + ".zip"
            with zipfile.ZipFile(zpath, "w", zipfile.ZIP_STORED) as z:
                for root, _, files in os.walk(self.out):
                    for fn in sorted(files):
                        full = os.path.join(root, fn)
                        z.write(full, os.path.relpath(full, self.out).replace(os.sep, "/"))
        return pkg


def summarize(images, annotations, rows) -> dict:
    img_split = {im["id"]: im["split"] for im in images}
    per_split = {}
    for s in SPLITS:
        per_split[s] = {"items": len(rows[s]), "images": sum(1 for im in images if im["split"] == s),
                        "annotations": sum(1 for a in annotations if img_split[a["image_id"]] == s)}
    per_grade = {g: sum(1 for s in SPLITS for r in rows[s] if r["grade"] == g) for g in GRADES}
    per_type = {t: sum(1 for a in annotations if a["category_id"] == i + 1) for i, t in enumerate(DAMAGE_TYPES)}
    return {"items": sum(len(rows[s]) for s in SPLITS), "images": len(images), "annotations": len(annotations),
            "per_split": per_split, "items_per_grade": per_grade, "annotations_per_damage_type": per_type}


def dataset_card(pkg: dict) -> str:
    c = pkg["counts"]
    lines = [f"# Dataset card ({pkg['source']})", "",
             f"Format `{pkg['format']}` {pkg['format_version']}, rubric {pkg['rubric_version']}, "
             f"created {pkg['created_utc']}. Layout: see docs/dataset-package.md in the Returns.Grader repository.", ""]
    if pkg["source"] == "synthetic":
        lines += ["Synthetic returned-item photos rendered by `models/training/synth.py` "
                  f"(generator settings: `{json.dumps(pkg.get('generator', {}))}`). Products (box, device, bowl, "
                  "shoe, bag, bottle, book) with random colours and materials on varied backgrounds, 2-3 views per item "
                  "(pose, scale, lighting, shadow, blur, noise, JPEG quality vary). Damage is painted with its exact mask "
                  "(COCO uncompressed RLE). Every view shows all of the item's damage. No real photos.", ""]
    if pkg["source"] in ("synthetic-real-content", "real-photo-check"):
        g = pkg.get("generator", {})
        what = ("Counterfactual training pairs (`models/training/realmix.py --pairs`): each pair is one train-side "
                "real object (Tux Paint's cut-out photos) photographed twice in the very same scene (pose, background, "
                "light, noise, JPEG quality), clean (LikeNew) and with damage painted by synth.py's painter "
                f"(VeryGood to Unsellable), as two items in the training split; {g.get('pairs')} pairs."
                if g.get("pairs") else
                "Training photos with real content (`models/training/realmix.py`): real objects (Tux Paint's cut-out "
                "photos" + (f"; {round(100 * g['content']['train_only_object_share'])} % of draws from train-only "
                            "objects of other kinds: Oxygen's renderings, Open Clip Art's drawings"
                            if "train_only_object_files" in g.get("content", {}) else "") +
                ") with damage painted by synth.py's painter, parametric items with real textures, parametric "
                "items as synth.py draws them; every view on a real background (wallpaper crop, tiled texture) or a "
                f"generated one. Kinds: `{json.dumps(g.get('kind_counts', g.get('kinds', {})))}`."
                if pkg["source"] == "synthetic-real-content" else
                "The real-photo check (`models/training/realmix.py --check`): each check-side object clean (LikeNew), "
                "lightly damaged (VeryGood/Good) and heavily damaged (Acceptable/Unsellable), two photos each, all in "
                "the test split. Damage is painted by synth.py's painter onto the real object photo.")
        lines += [what, "", f"Content side: **{g.get('side')}** (objects, textures and backgrounds are split once by a "
                  "hash of their name; training never sees check-side content). Content used: "
                  f"`{json.dumps(g.get('content', {}))}`.", "", "Sources (Debian packages, fetched by "
                  "`models/training/realsrc.py`, not committed):", ""]
        for name, src in sorted(g.get("sources", {}).items()):
            lines.append(f"- `{name}` {src.get('version')} — licence {src.get('licence')}")
        lines += ["", "Never used: " + ", ".join(f"`{p}`" for p in g.get("reserved_never_used", [])) +
                  " (reserved for an independent check of the model).", ""]
    lines += [f"- items: {c['items']}, images: {c['images']}, damage annotations: {c['annotations']}",
              "- per split: " + ", ".join(f"{s} {v['items']} items / {v['images']} images" for s, v in c["per_split"].items()),
              "- items per grade: " + ", ".join(f"{g} {n}" for g, n in c["items_per_grade"].items()),
              "- annotations per damage type: " + ", ".join(f"{t} {n}" for t, n in c["annotations_per_damage_type"].items()),
              "", "Grades follow rubric v1: severity points " +
              ", ".join(f"{t} {p}" for t, p in pkg["severity_points"].items()) +
              "; sum 0 LikeNew, 1 VeryGood, 2-3 Good, 4-5 Acceptable, >=6 Unsellable.", ""]
    return "\n".join(lines)


# ----------------------------------------------------------------------------- reader

class Package:
    """Read access to a dataset package given as a folder or a .zip (optionally with one top folder)."""

    def __init__(self, path: str):
        self.path = path
        self._zip = None
        if os.path.isdir(path):
            root = path
            if not os.path.exists(os.path.join(root, "package.json")):
                raise FileNotFoundError(f"{path}: no package.json")
            self._root = root
        elif zipfile.is_zipfile(path):
            self._zip = zipfile.ZipFile(path)
            cands = [n for n in self._zip.namelist() if posixpath.basename(n) == "package.json"]
            if not cands:
                raise FileNotFoundError(f"{path}: zip has no package.json")
            self._root = posixpath.dirname(min(cands, key=len))
        else:
            raise FileNotFoundError(f"{path}: not a package folder or zip")
        self.manifest = json.loads(self.read("package.json"))
        if self.manifest.get("format") != FORMAT_NAME:
            raise ValueError(f"{path}: format {self.manifest.get('format')!r} is not {FORMAT_NAME}")
        major = str(self.manifest.get("format_version", "0")).split(".")[0]
        if major != FORMAT_VERSION.split(".")[0]:
            raise ValueError(f"{path}: unsupported format_version {self.manifest.get('format_version')}")
        missing = [f for f in ("coco", "huggingface") if f not in self.manifest.get("formats", ["coco", "huggingface"])]
        if missing:
            raise ValueError(f"{path}: exported without the {' and '.join(missing)} format(s), which training reads; "
                             "export it again with them (the Exports page's formats, or \"formats\" in the API)")
        self.coco = json.loads(self.read("annotations/coco.json"))
        self._check_categories()

    def _check_categories(self):
        names = {c["id"]: c["name"] for c in self.coco["categories"]}
        for cid, name in names.items():
            if name not in DAMAGE_TYPES:
                raise ValueError(f"unknown damage category {name!r}")
        self.category_to_type = {cid: DAMAGE_TYPES.index(name) for cid, name in names.items()}

    def read(self, rel: str) -> bytes:
        if self._zip is not None:
            return self._zip.read(posixpath.join(self._root, rel) if self._root else rel)
        with open(os.path.join(self._root, *rel.split("/")), "rb") as f:
            return f.read()

    def read_image(self, file_name: str) -> bytes:
        return self.read("images/" + file_name)

    def metadata_rows(self, split: str) -> list:
        try:
            text = self.read(f"images/{split}/metadata.jsonl").decode("utf-8")
        except (KeyError, FileNotFoundError):
            return []
        return [json.loads(line) for line in text.splitlines() if line.strip()]

    def samples(self, split: str | None = None, keep_prefilled: bool = False, keep_model_boxes: bool = True) -> list:
        """One dict per image: file_name, width, height, item_id, grade_index, annotations (type, bbox, mask rle,
        source), item_box ([x, y, w, h] in pixels where the generator recorded it, else None).

        A photo whose grade the station prefilled from the model and the associate saved as it was (``grade_prefilled``
        in an app export) is left out unless keep_prefilled: it is the model's own answer let stand, not a person's.
        Trained on, the next model learns the current one's answers; in a test split, agreeing with its own prefill
        counted as right; and familiarity.py fitted the prefill floor on photos whose prefills were right by
        construction, so the floor fell and more was prefilled (review of the export path, 2026-12-06).

        A box the model drew and nobody touched (COCO ``source: "model"``, ADR 0051) is kept, with its source, by
        default; keep_model_boxes=False (train.py/retrain.py --model-boxes drop) leaves it out of the photo's boxes
        (the photo and its grade stay), which makes its cells UNDAMAGED targets unless a person's box covers them.
        Training's default reads it and ignores it (dataset.damage_target's IGNORED cells, sample_meta's
        ignored_boxes; ADR 0053); --model-boxes keep trains on it as a person's box. A box without ``source``
        (synthetic packages, and exports from before ADR 0051, which stored a box left as suggested as ``accepted``)
        is a person's under every setting.
        model_boxes() counts the model's boxes."""
        out = []
        for im, s, anns in self._images(split, keep_prefilled):
            grade = im["grade"]
            if grade not in GRADES:
                raise ValueError(f"image {im['id']}: unknown grade {grade!r}")
            anns = [{"type": self.category_to_type[a["category_id"]], "bbox": a["bbox"],
                     "area": a.get("area", a["bbox"][2] * a["bbox"][3]), "segmentation": a.get("segmentation"),
                     "source": a.get("source")}
                    for a in anns if keep_model_boxes or not is_model_box(a)]
            out.append({"id": im["id"], "file_name": im["file_name"], "width": im["width"], "height": im["height"],
                        "item_id": im["item_id"], "split": s, "grade_index": GRADES.index(grade), "annotations": anns,
                        "item_box": im.get("item_box")})
        return out

    def _images(self, split: str | None, keep_prefilled: bool):
        """(COCO image, its split, its COCO annotations) of the photos samples() reads, in file order."""
        by_image = {}
        for a in self.coco["annotations"]:
            by_image.setdefault(a["image_id"], []).append(a)
        for im in self.coco["images"]:
            s = im.get("split") or split_for(im["item_id"])
            if split is not None and s != split:
                continue
            if im.get("grade_prefilled") is True and not keep_prefilled:
                continue
            yield im, s, by_image.get(im["id"], [])

    def model_boxes(self, split: str | None = None, keep_prefilled: bool = False) -> int:
        """How many boxes nobody checked (``source: "model"``) the photos samples() reads carry: the boxes
        samples() leaves out when keep_model_boxes is False (those on photos it leaves out whole are not counted)."""
        return sum(1 for _, _, anns in self._images(split, keep_prefilled) for a in anns if is_model_box(a))

    @property
    def has_model_boxes(self) -> bool:
        """Whether any box of the package is the model's left as suggested (only then does keep_model_boxes matter)."""
        return any(is_model_box(a) for a in self.coco["annotations"])

    def fingerprint(self) -> str:
        """Short content hash of the annotations (identifies the package for caches)."""
        return hashlib.sha256(self.read("annotations/coco.json")).hexdigest()[:16]


def is_model_box(ann: dict) -> bool:
    """A COCO annotation the model drew and nobody touched (ADR 0051). A missing source is a person's box: see samples()."""
    return ann.get("source") == MODEL_BOX_SOURCE


def open_package(path: str) -> Package:
    return Package(path)


def annotation_mask(ann: dict, height: int, width: int) -> np.ndarray:
    """Full-resolution mask of one annotation: RLE or polygon segmentation if present, else its bbox."""
    seg = ann.get("segmentation")
    if isinstance(seg, dict) and "counts" in seg:
        m = rle_decode(seg)
        if m.shape != (height, width):
            raise ValueError(f"RLE size {m.shape} != image size {(height, width)}")
        return m
    from PIL import Image, ImageDraw
    im = Image.new("L", (width, height), 0)
    d = ImageDraw.Draw(im)
    if isinstance(seg, list) and seg:
        for poly in seg:
            d.polygon([(poly[i], poly[i + 1]) for i in range(0, len(poly) - 1, 2)], fill=1)
    else:
        x, y, w, h = ann["bbox"]
        d.rectangle([x, y, x + w - 1, y + h - 1], fill=1)
    return np.asarray(im, dtype=bool)
