"""Export a trained checkpoint as a shipped model folder: model.onnx, model.pt, model.json, golden.json.

    OPENBLAS_NUM_THREADS=1 nice -n 19 /usr/bin/python3 export.py --ckpt runs/v1/final.pt \
        --metrics runs/v1/metrics.json --data data/synth-v1 --out ../grader-vit-v1 --name grader-vit-v1

* model.onnx: opset 17, input ``pixel_values`` float32 [N,3,S,S] (N dynamic), outputs ``grade_logits``
  [N,5] (uncalibrated: divide by the manifest's temperature before softmax) and ``damage_logits``
  [N,G*G,6] (sigmoid per type; row-major cells of a G x G grid).
* model.pt: the same weights (float16) + config, for fine-tuning (train.py --init <folder>).
* model.json: the manifest (docs/model-manifest.md).
* golden.json: 3 fixed inputs (uint8 RGB pixels of the already-resized image) and PyTorch eager
  outputs, so other runtimes can prove they compute the same thing (tolerance 1e-4).
The ONNX file is checked with onnx.checker and its input/output shapes are verified.
"""
from __future__ import annotations

import argparse
import io
import json
import os
from datetime import datetime, timezone

import numpy as np
import onnx
import torch

from dataset import MEAN, MIN_DECODED_FACTOR, STD, preprocess_image, to_tensor
from package import open_package
from regions import regions_from_probs, sigmoid
from rubric import DAMAGE_TYPES, GRADE_POINT_RANGES, GRADES, RUBRIC_VERSION, SEVERITY_POINTS
from train import load_checkpoint, repo_relative, sha256_file

INPUT_NAME = "pixel_values"
OUTPUT_NAMES = ["grade_logits", "damage_logits"]
FAMILIARITY_OUTPUT = "familiarity"   # a third output, for models with cfg.familiarity (familiarity.py)
ITEM_BOX_OUTPUT = "item_box"         # the localizer's box, for crop models whose calibration has an item_size rule
OPSET = 17


class _Exported(torch.nn.Module):
    """The graph as exported: the model's outputs, plus its familiarity score where the model has one, plus the
    localizer's item box where asked (a crop model with an item_size rule: the station's too-small-item warning)."""

    def __init__(self, model, item_box: bool = False):
        super().__init__()
        self.model = model
        self.with_item_box = item_box

    def forward(self, pixel_values):
        out = self.model(pixel_values, return_familiarity=self.model.cfg.familiarity)
        return tuple(out) + (self.model.item_box(),) if self.with_item_box else out


def output_names(cfg, item_box: bool = False) -> list:
    return OUTPUT_NAMES + ([FAMILIARITY_OUTPUT] if cfg.familiarity else []) + ([ITEM_BOX_OUTPUT] if item_box else [])


def export_onnx(model, path: str, item_box: bool = False):
    if item_box and not model.cfg.crop_to_item:
        raise ValueError("only a crop-to-item model has a localizer whose box can be an output")
    model.eval()
    s = model.cfg.input_size
    dummy = torch.zeros(2, 3, s, s)
    names = output_names(model.cfg, item_box)
    # the wrapper in eval mode too: the exporter puts the module it is given back in its own mode afterwards, and a fresh
    # wrapper's is training, which left the caller's model in training mode (batch-norm statistics from the batch)
    torch.onnx.export(_Exported(model, item_box).eval(), dummy, path, opset_version=OPSET, input_names=[INPUT_NAME],
                      output_names=names, do_constant_folding=True,
                      dynamic_axes={INPUT_NAME: {0: "batch"}, **{n: {0: "batch"} for n in names}})
    if model.cfg.test_time_hflip or model.cfg.crop_to_item:
        # torch 1.13's exporter loses the static sizes through the [2N] -> [2, N] reshapes of the mirror averaging and
        # the crop's resampling; the sizes are fixed by the config, so state them on the outputs (the C# golden test
        # checks the numbers)
        m = onnx.load(path)
        sizes = {OUTPUT_NAMES[0]: [len(GRADES)], OUTPUT_NAMES[1]: [model.cfg.output_grid ** 2, len(DAMAGE_TYPES)],
                 FAMILIARITY_OUTPUT: [], ITEM_BOX_OUTPUT: [4]}
        for out in m.graph.output:
            for dim, size in zip(list(out.type.tensor_type.shape.dim)[1:], sizes[out.name]):
                dim.Clear()
                dim.dim_value = size
        onnx.save(m, path)
    check_onnx(path, model.cfg, item_box)


def check_onnx(path: str, cfg, item_box: bool = False) -> dict:
    m = onnx.load(path)
    onnx.checker.check_model(m)

    def dims(v):
        return [d.dim_param if d.dim_param else d.dim_value for d in v.type.tensor_type.shape.dim]

    ins = {i.name: dims(i) for i in m.graph.input}
    outs = {o.name: dims(o) for o in m.graph.output}
    g = cfg.output_grid
    assert ins == {INPUT_NAME: ["batch", 3, cfg.input_size, cfg.input_size]}, ins
    assert outs[OUTPUT_NAMES[0]] == ["batch", len(GRADES)], outs
    assert outs[OUTPUT_NAMES[1]] == ["batch", g * g, len(DAMAGE_TYPES)], outs
    assert list(outs) == output_names(cfg, item_box), outs
    if cfg.familiarity:
        assert outs[FAMILIARITY_OUTPUT] == ["batch"], outs
    if item_box:
        assert outs[ITEM_BOX_OUTPUT] == ["batch", 4], outs
    assert m.opset_import[0].version == OPSET
    return {"inputs": ins, "outputs": outs}


def pattern_image(size: int) -> np.ndarray:
    """A deterministic test card: u8[y, x, c] = (7*x + 13*y + 50*c + (x*y) % 31) % 256."""
    y, x = np.mgrid[0:size, 0:size]
    chans = [(7 * x + 13 * y + 50 * c + (x * y) % 31) % 256 for c in range(3)]
    return np.stack(chans, -1).astype(np.uint8)


def golden(model, cal: dict, data: str | None) -> dict:
    cfg = model.cfg
    s, g = cfg.input_size, cfg.output_grid
    cases = []
    if data:
        pkg = open_package(data)
        test = pkg.samples("test")
        damaged = max(test, key=lambda x: len(x["annotations"]), default=None)
        clean = next((x for x in test if not x["annotations"]), None)
        for smp, label in ((damaged, "damaged test photo"), (clean, "undamaged test photo")):
            if smp is None:
                continue
            cases.append((f"{label} {smp['file_name']} (true grade {GRADES[smp['grade_index']]})",
                          preprocess_image(pkg.read_image(smp["file_name"]), s), smp["width"], smp["height"]))
    while len(cases) < 3:
        cases.append(("pattern: u8[y,x,c] = (7x + 13y + 50c + (x*y) % 31) % 256", pattern_image(s), 1024, 768))
    pixels = np.stack([c[1] for c in cases])
    model.eval()
    with torch.no_grad():
        res = model(to_tensor(pixels), return_familiarity=cfg.familiarity)
        item_boxes = model.item_box() if cal.get("item_size") else None
    gl, dl = res[0], res[1]
    t = cal["temperature"]
    out = {"description": "Fixed inputs and PyTorch eager (float32, CPU) outputs of model.onnx's network. "
                          "pixel_values[n,c,y,x] = (pixels_u8[n][(y*W + x)*3 + c] / 255 - mean[c]) / std[c], "
                          "computed in float32. Compare grade_logits and damage_logits element-wise; "
                          "expected regions use the manifest thresholds and the given photo size.",
           "tolerance": 1e-4, "input_name": INPUT_NAME, "input_shape": [1, 3, s, s], "mean": MEAN, "std": STD,
           "pixel_layout": "HWC row-major, RGB, uint8", "temperature": t, "cases": []}
    for i, (name, px, w, h) in enumerate(cases):
        dprob = sigmoid(dl[i].numpy())
        gp = torch.softmax(gl[i] / t, -1).numpy()
        out["cases"].append({
            "name": name, "height": s, "width": s, "pixels_u8": px.reshape(-1).tolist(),
            "grade_logits": [round(float(v), 6) for v in gl[i]],
            "grade_probabilities": [round(float(v), 6) for v in gp],
            "damage_logits_shape": [g * g, len(DAMAGE_TYPES)],
            "damage_logits": [round(float(v), 6) for v in dl[i].reshape(-1)],
            **({"familiarity": round(float(res[2][i]), 6)} if cfg.familiarity else {}),
            **({"item_box": [round(float(v), 6) for v in item_boxes[i]]} if item_boxes is not None else {}),
            "regions_photo_size": [w, h],
            "regions": [{k: r[k] for k in ("type", "score", "box")}
                        for r in regions_from_probs(dprob, g, g, w, h, cal["thresholds"], cal["min_cells"])],
        })
    return out


def manifest(name, version, cfg, cal, training, metrics, onnx_path, pt_path,
             min_decoded_factor: float = MIN_DECODED_FACTOR) -> dict:
    g, s = cfg.output_grid, cfg.input_size
    description = ("conv-stem ViT (stride-16 patch tokens), class token -> grade head, patch tokens -> damage-map head")
    if cfg.crop_to_item:
        description = (f"crop to the item, then a conv-stem ViT: a convolutional localizer finds the item on the whole "
                       f"photo ({s} px, seen at {cfg.localizer_size} px), the photo is cropped to it (margin "
                       f"{cfg.crop_margin:g} per side) and resampled to {cfg.image_size} px inside the graph; the ViT's "
                       f"class token -> grade head, patch tokens -> damage map over the crop, resampled onto a {g}x{g} "
                       f"grid over the whole photo")
        if cfg.size_localizer:
            description += ("; a second localizer, trained on items seen from further away, gives only the item_box "
                            "output (the too-small-item warning)")
    return {
        "schema": "returns-grader-model-manifest", "schema_version": "1.0",
        "name": name, "version": version, "created_utc": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "architecture": {"family": "vit", "description": description,
                         "config": cfg.to_dict(), "parameters": int(sum(v.numel() for v in
                                                                     load_checkpoint(pt_path)[0].parameters()))},
        "file": "model.onnx", "sha256": sha256_file(onnx_path), "size_bytes": os.path.getsize(onnx_path),
        "opset": OPSET, "rubric_version": RUBRIC_VERSION,
        "input": {"name": INPUT_NAME, "dtype": "float32", "layout": "NCHW", "shape": ["batch", 3, s, s],
                  "height": s, "width": s, "channel_order": "RGB",
                  "orientation": "apply EXIF orientation before resizing",
                  "resize": {"mode": "stretch", "keep_aspect_ratio": False, "filter": "bilinear",
                             "antialias": True,
                             "min_decoded_factor": min_decoded_factor,
                             "shrink_on_load": "JPEG DCT scaling allowed while the decoded image stays >= "
                                               "min_decoded_factor x the input size on both sides"},
                  "scale": 1.0 / 255.0, "mean": MEAN, "std": STD,
                  "formula": "pixel_values[c,y,x] = (rgb_u8[y,x,c] / 255 - mean[c]) / std[c]"},
        "outputs": [
            {"name": OUTPUT_NAMES[0], "dtype": "float32", "shape": ["batch", len(GRADES)],
             "meaning": "grade logits in the order of 'grades'; probabilities = softmax(logits / calibration.temperature)"},
            {"name": OUTPUT_NAMES[1], "dtype": "float32", "shape": ["batch", g * g, len(DAMAGE_TYPES)],
             "meaning": "damage-map logits: cell index = row * grid_width + col over the input image; "
                        "channel order of 'damage_types'; probability = sigmoid(logit), multi-label"}]
        + ([{"name": FAMILIARITY_OUTPUT, "dtype": "float32", "shape": ["batch"],
             "meaning": "familiarity score: higher = more like the training photos; familiar when >= "
                        "familiarity.threshold"}] if cfg.familiarity else [])
        + ([{"name": ITEM_BOX_OUTPUT, "dtype": "float32", "shape": ["batch", 4],
             "meaning": "the item's box as the localizer finds it: x0, y0, x1, y1 as fractions of the photo's width "
                        "and height; the item is too small when the box's area share < item_size.too_small_below"}]
           if cal.get("item_size") else []),
        "grades": GRADES, "damage_types": DAMAGE_TYPES, "severity_points": SEVERITY_POINTS,
        "grade_point_ranges": {k: list(v) for k, v in GRADE_POINT_RANGES.items()},
        "damage_map": {"grid_height": g, "grid_width": g, "cell_order": "row-major", "activation": "sigmoid",
                       "cell_size_input_px": s // g},
        "calibration": {"method": "temperature", "temperature": round(cal["temperature"], 6),
                        "fitted_on": "validation split"},
        "regions": {"algorithm": "threshold-components-v1", "connectivity": 8,
                    "thresholds": {t: cal["thresholds"][i] for i, t in enumerate(DAMAGE_TYPES)},
                    "min_cells": {t: cal["min_cells"][i] for i, t in enumerate(DAMAGE_TYPES)},
                    "score": "max cell probability in the component",
                    "box": "component cell extent scaled to the photo's pixel size (after orientation)"},
        "item_rule": {"confident_damage_score": cal.get("item_rule", {}).get("confident_damage_score"),
                      "rule": "an item's grade probabilities are the mean over its photos; the rubric grade implied by "
                              "the regions scoring >= confident_damage_score (each type counted as often as on the "
                              "photo that shows most of it) wins when worse; null = off (the grade head decides)",
                      "fitted_on": "validation split, item accuracy (item_rule.py)"},
        **({"familiarity": familiarity_section(cal)} if cfg.familiarity else {}),
        **({"item_size": dict(cal["item_size"], output=ITEM_BOX_OUTPUT)} if cal.get("item_size") else {}),
        "training_data": training,
        "metrics": metrics,
        "files": {"golden": "golden.json", "pytorch_weights": "model.pt", "pytorch_weights_sha256": sha256_file(pt_path),
                  "model_card": "MODEL_CARD.md"},
    }


def training_record(tr: dict) -> dict:
    """The manifest's training_data: the fields of the run's training summary that a reader of the manifest needs, with
    package paths as the repository names them (runs before 2026-12-05 recorded the absolute paths of the machine they
    ran on; train.py now records repository paths and names a shipped init by name and version)."""
    training = {k: tr.get(k) for k in ("package_source", "package_fingerprint", "package_counts", "generator",
                                        "train_images", "validation_images", "steps", "batch", "epochs_completed",
                                        "train_minutes", "train_cpu_minutes", "images_seen", "train_minutes_total",
                                        "init", "threads", "bf16", "extra_train_packages")}
    if training["init"] and os.path.isabs(training["init"]):   # an older run's init: a path on the machine it ran on
        training["init"] = repo_relative(training["init"])
    if training["extra_train_packages"]:
        training["extra_train_packages"] = [{**p, "package": repo_relative(p["package"])}
                                            for p in training["extra_train_packages"]]
    return training


def familiarity_section(cal: dict) -> dict:
    f = cal["familiarity"]
    return {"output": FAMILIARITY_OUTPUT, "threshold": round(f["threshold"], 6),
            "rule": "a photo is familiar when the familiarity output >= threshold; an unfamiliar photo's suggestion is "
                    "shown as such and never prefilled",
            "method": f["method"], "fitted_on": f["fitted_on"], "threshold_rule": f["threshold_rule"],
            "validation_familiar_rate": f["validation_familiar_rate"],
            "prefill_min_confidence": f.get("prefill_min_confidence"),
            **({"prefill_rule": f["prefill_rule"]} if f.get("prefill_rule") else {})}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--name", default="grader-vit-v1")
    ap.add_argument("--version", default="1.0.0")
    ap.add_argument("--metrics", help="metrics.json from evaluate.py (test split)")
    ap.add_argument("--data", help="package used for golden sample photos")
    ap.add_argument("--training-from", help="a shipped model.json whose training_data section describes --ckpt's training "
                                            "(a re-export of a shipped model.pt from before it kept its training record)")
    ap.add_argument("--min-decoded-factor", type=float, default=MIN_DECODED_FACTOR,
                    help="the manifest's shrink-on-load rule for inference (default: the training loader's); measure "
                         "its effect on 12 MP photos with decode_study.py before lowering it")
    a = ap.parse_args()
    if a.min_decoded_factor < 1:
        ap.error("--min-decoded-factor must be at least 1 (a decoded image smaller than the input loses detail)")
    torch.set_num_threads(2)
    model, ck = load_checkpoint(a.ckpt)
    cal = ck["calibration"]
    os.makedirs(a.out, exist_ok=True)
    onnx_path = os.path.join(a.out, "model.onnx")
    pt_path = os.path.join(a.out, "model.pt")
    export_onnx(model, onnx_path, item_box=bool(cal.get("item_size")))
    torch.save({"config": model.cfg.to_dict(), "calibration": cal, "training": ck.get("training", {}),
                "state_dict": {k: (v.half() if v.is_floating_point() else v) for k, v in model.state_dict().items()}},
               pt_path)
    # golden outputs come from the fp16-rounded weights that model.pt holds, which is also what ONNX gets:
    model, _ = load_checkpoint(pt_path)
    export_onnx(model, onnx_path, item_box=bool(cal.get("item_size")))
    metrics = json.load(open(a.metrics)) if a.metrics else {}
    tr = ck.get("training", {})
    training = training_record(tr)
    if a.training_from:
        if any(v is not None for v in training.values()):
            ap.error("--training-from is for a checkpoint without a training record; this one has one")
        training = json.load(open(a.training_from))["training_data"]
    if tr.get("prior_phase"):
        training["prior_phase_minutes"] = tr["prior_phase"]["minutes"]
        training["prior_phase_steps"] = tr["prior_phase"]["history"][-1]["step"] if tr["prior_phase"]["history"] else 0
    man = manifest(a.name, a.version, model.cfg, cal, training, metrics, onnx_path, pt_path, a.min_decoded_factor)
    with open(os.path.join(a.out, "model.json"), "w") as f:
        json.dump(man, f, indent=2)
    gold = golden(model, cal, a.data)
    gold["model_sha256"] = man["sha256"]
    with open(os.path.join(a.out, "golden.json"), "w") as f:
        json.dump(gold, f, separators=(",", ":"))
    print(f"wrote {a.out}: model.onnx {os.path.getsize(onnx_path) / 1e6:.2f} MB, sha256 {man['sha256'][:16]}..., "
          f"golden.json {os.path.getsize(os.path.join(a.out, 'golden.json')) / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
