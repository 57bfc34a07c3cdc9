"""Does the model care how far a big JPEG is shrunk while it is decoded? (the measurement behind the manifest's
``input.resize.min_decoded_factor``)

A phone photo is 12 MP; the model sees its input size (192 px up to 2.4.0, 320 px from 3.0.0). JPEG decoders can
shrink by 1/2, 1/4 or 1/8 while decoding (DCT scaling, an exact block average), which is most of the saving, and the
rest is one antialiased resize. The manifest says how small the decoded image may get, as a multiple of the input size.
For 192 px, training photos (about 1024 x 768) decode at 1/2 under any factor from 1.0 to 2.67; for 320 px they decode
whole under 1.5 and at 1/2 under 1.0, so the study also runs the original photos under each factor.

For held-out test photos this script makes the 12 MP photo a phone would have taken of the same scene (the generated
photo upscaled to 4032 x 3024 or 3024 x 4032 with Lanczos, JPEG q90), then preprocesses it as the app would with each
factor (PIL ``draft`` + antialiased bilinear, the training loader's steps), and compares the model's answers with those
it gives on the original photo: grade accuracy, agreement, mean absolute tensor difference, and region recall /
precision at IoU >= 0.3 with the checkpoint's calibrated thresholds (boxes in the original photo's pixels, the
same boxes whatever the decode, since the phone photo is the same scene stretched).

    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 decode_study.py --ckpt runs/v6/final.pt --data data/synth-v1 \
        --photos 300 --factors 2.0 1.5 --out runs/decode_study.json
"""
from __future__ import annotations

import argparse
import io
import json

import numpy as np
import torch
from PIL import Image, ImageOps

from dataset import MIN_DECODED_FACTOR, preprocess_image, sample_meta, shrink_on_load
from metrics import softmax
from package import open_package
from regions import region_metrics, sigmoid
from train import load_checkpoint, predict


def as_phone_photo(data: bytes) -> bytes:
    im = ImageOps.exif_transpose(Image.open(io.BytesIO(data))).convert("RGB")
    size = (4032, 3024) if im.width >= im.height else (3024, 4032)
    buf = io.BytesIO()
    im.resize(size, Image.LANCZOS).save(buf, format="JPEG", quality=90)
    return buf.getvalue()


def decoded_size(data: bytes, size: int, factor: float) -> tuple[int, int]:
    """The size the loader's shrink-on-load decodes to under ``factor``."""
    im = Image.open(io.BytesIO(data))
    shrink_on_load(im, size, factor)
    return im.size


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--photos", type=int, default=300)
    ap.add_argument("--factors", type=float, nargs="+", default=[2.0, 1.5])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    model, ck = load_checkpoint(a.ckpt)
    cal = ck["calibration"]
    size, temperature, grid = model.cfg.input_size, cal["temperature"], model.cfg.output_grid
    pkg = open_package(a.data)
    samples = pkg.samples("test")[: a.photos]
    truth = np.array([s["grade_index"] for s in samples])
    metas = [sample_meta(s) for s in samples]
    original = np.zeros((len(samples), size, size, 3), np.uint8)
    per_factor = {f: np.zeros_like(original) for f in a.factors}
    decoded_sizes = {f: set() for f in a.factors}
    # "original" is the photo under the training loader's own rule; the other factors are extra rows
    originals = {f: np.zeros_like(original) for f in a.factors if f != MIN_DECODED_FACTOR}
    for i, s in enumerate(samples):
        data = pkg.read_image(s["file_name"])
        original[i] = preprocess_image(data, size)
        for f in originals:
            originals[f][i] = preprocess_image(data, size, f)
        phone = as_phone_photo(data)
        for f in a.factors:
            per_factor[f][i] = preprocess_image(phone, size, f)
            decoded_sizes[f].add(decoded_size(phone, size, f))
    grades, regions = {}, {}
    rows = [("original", original)] + [(f"original@{f}", p) for f, p in originals.items()]
    for name, pixels in rows + [(f"phone@{f}", p) for f, p in per_factor.items()]:
        logits, damage = predict(model, pixels)
        grades[name] = softmax(logits / temperature)
        regions[name], _ = region_metrics(sigmoid(damage), metas, grid, cal["thresholds"], cal["min_cells"], 0.3)
    result = {"photos": len(samples), "checkpoint": a.ckpt, "rows": {}}
    for name, probs in grades.items():
        row = {"accuracy": float((probs.argmax(1) == truth).mean()),
               "agreement_with_original": float((probs.argmax(1) == grades["original"].argmax(1)).mean()),
               "mean_abs_probability_change": float(np.abs(probs - grades["original"]).sum(1).mean() / 2),
               "region_recall": regions[name]["recall"], "region_precision": regions[name]["precision"],
               "region_recall_per_type": {t: v["recall"] for t, v in regions[name]["per_type"].items()}}
        if name.startswith("phone@"):
            f = float(name.split("@")[1])
            row["decoded_sizes"] = sorted(decoded_sizes[f])
            row["mean_abs_tensor_diff_u8"] = float(np.abs(per_factor[f].astype(np.int16) - original).mean())
        result["rows"][name] = row
    if len(a.factors) >= 2:
        f0, f1 = a.factors[0], a.factors[1]
        result[f"mean_abs_tensor_diff_u8_{f0}_vs_{f1}"] = float(
            np.abs(per_factor[f0].astype(np.int16) - per_factor[f1]).mean())
        result[f"agreement_{f0}_vs_{f1}"] = float(
            (grades[f"phone@{f0}"].argmax(1) == grades[f"phone@{f1}"].argmax(1)).mean())
    print(json.dumps(result, indent=2))
    if a.out:
        with open(a.out, "w") as fh:
            json.dump(result, fh, indent=2)


if __name__ == "__main__":
    main()
