"""Read a dataset package the way training does, check that its parts agree, and print a JSON summary.

    /usr/bin/python3 check_package.py export.zip [--size 64 --grid 8]

Used by the app's export tests (the training code is the consumer of coco.json and metadata.jsonl), and by people
before they train on an export. Exits 1 with the first disagreement found.
"""
from __future__ import annotations

import argparse
import json
import sys

from dataset import IGNORED, load_split
from package import open_package, split_for
from rubric import GRADES

SPLITS = ("train", "validation", "test")


def check(path: str, size: int, grid: int) -> dict:
    pkg = open_package(path)
    out = {"format": pkg.manifest["format"], "format_version": pkg.manifest["format_version"],
           "source": pkg.manifest.get("source"), "counts": pkg.manifest.get("counts"), "splits": {}}
    for split in SPLITS:
        samples = pkg.samples(split, keep_prefilled=True, keep_model_boxes=True)  # as written: its parts must agree
        training = pkg.samples(split)  # what training reads: prefilled grades left as they were are not labels
        rows = pkg.metadata_rows(split)
        files = {}
        for s in samples:
            if split_for(s["item_id"]) != split:
                raise ValueError(f"{s['file_name']}: item {s['item_id']} belongs in {split_for(s['item_id'])}, not {split}")
            files.setdefault(s["item_id"], []).append(s["file_name"].split("/", 1)[1])
        for r in rows:
            if sorted(r["file_names"]) != sorted(files.get(r["item_id"], [])):
                raise ValueError(f"metadata row of {r['item_id']} lists {r['file_names']}, coco.json has {files.get(r['item_id'], [])}")
            if GRADES.index(r["grade"]) != r["grade_index"]:
                raise ValueError(f"metadata row of {r['item_id']}: grade {r['grade']} is not index {r['grade_index']}")
        missing = set(files) - {r["item_id"] for r in rows}
        if missing:
            raise ValueError(f"{split}: items with photos but no metadata row: {sorted(missing)[:5]}")
        data = load_split(path, split, size, grid, cache_dir=None, verbose=False) if training else None
        out["splits"][split] = {
            "items": len(rows), "images": len(samples), "annotations": sum(len(s["annotations"]) for s in samples),
            "images_prefilled_left_out": len(samples) - len(training),
            # the model's boxes nobody touched on the photos training reads: by default (--model-boxes ignore) their
            # cells are ignored_cells, neither damaged nor undamaged targets (ADR 0053)
            "model_boxes": pkg.model_boxes(split),
            "item_ids": sorted(r["item_id"] for r in rows),
            "grades": {r["item_id"]: r["grade"] for r in rows},
            "pixels_shape": list(data["pixels"].shape) if data else [0, size, size, 3],
            "damage_cells": int((data["damage"] == 1).sum()) if data else 0,
            "ignored_cells": int((data["damage"] == IGNORED).sum()) if data else 0,
        }
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("package", help="package folder or zip")
    ap.add_argument("--size", type=int, default=64, help="image size to decode to (the check, not training)")
    ap.add_argument("--grid", type=int, default=8, help="damage grid for the targets")
    a = ap.parse_args()
    try:
        print(json.dumps(check(a.package, a.size, a.grid)))
    except (ValueError, KeyError, FileNotFoundError) as e:
        print(f"check_package: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
