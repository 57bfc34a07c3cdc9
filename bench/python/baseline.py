"""The usual Python pipeline on the bench photo, for issue 3's "at least 3x faster" target.

    OPENBLAS_NUM_THREADS=2 /usr/bin/python3 bench/python/baseline.py --threads 2 --photo PHOTO.jpg --model models/grader-vit-v1

Per run, from the JPEG's bytes to the suggestion:
  PIL: Image.open -> ImageOps.exif_transpose -> convert("RGB") -> resize to the manifest's input size (BILINEAR,
  which PIL anti-aliases) -> float32 CHW normalized with the manifest's mean/std ->
  PyTorch eager inference of the same network (models/training/model.py, weights from the model folder's model.pt,
  --threads torch threads; set OPENBLAS_NUM_THREADS to the same) -> softmax(logits / temperature), sigmoid, regions
  (models/training/regions.py). The C# bench runs it with 2 threads (the issue's setup) and with 1: on a 2-vCPU box
  PyTorch's 2-thread pool stalls right after single-threaded PIL work, so 1 thread is the faster Python.
A second variant adds im.draft("RGB", (fW, fH)) with f the manifest's input.resize.min_decoded_factor (2 where absent;
libjpeg DCT shrink-on-load, what models/training/dataset.py does):
the best a Python pipeline does with PIL, reported beside the usual one.

Also: inference alone at batch 1 and 8, and the network's FLOPs per image counted by torch.profiler (conv2d,
addmm, mm, bmm) as a check of the C# bench's count from model.json. Prints one JSON object on stdout.
"""
from __future__ import annotations

import argparse
import ctypes
import io
import json
import math
import os
import statistics
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")

import numpy as np  # noqa: E402
import PIL  # noqa: E402
import torch  # noqa: E402
from PIL import Image, ImageOps  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
TRAINING = os.path.normpath(os.path.join(HERE, "..", "..", "models", "training"))
sys.path.insert(0, TRAINING)

from regions import regions_from_probs  # noqa: E402
from train import load_checkpoint  # noqa: E402


def stats(seconds: list[float]) -> dict:
    ms = sorted(s * 1000 for s in seconds)
    rank = max(1, -(-95 * len(ms) // 100))  # nearest-rank P95
    return {"median_ms": statistics.median(ms), "p95_ms": ms[rank - 1], "min_ms": ms[0], "max_ms": ms[-1],
            "n": len(ms), "runs_ms": [round(v, 3) for v in ms]}


def openblas_core() -> str:
    try:
        lib = ctypes.CDLL("libblas.so.3")
        lib.openblas_get_config.restype = ctypes.c_char_p
        return lib.openblas_get_config().decode()
    except (OSError, AttributeError):
        return "not OpenBLAS"


class Pipeline:
    def __init__(self, model_dir: str):
        with open(os.path.join(model_dir, "model.json")) as f:
            self.manifest = json.load(f)
        self.model, _ = load_checkpoint(model_dir)  # model.pt: the same weights as model.onnx
        self.model.eval()
        inp = self.manifest["input"]
        self.size = (inp["width"], inp["height"])
        factor = float(inp.get("resize", {}).get("min_decoded_factor", 2.0))
        self.draft_size = tuple(math.ceil(factor * s) for s in self.size)
        self.scale = float(inp["scale"])
        self.mean = np.array(inp["mean"], dtype=np.float32).reshape(1, 1, 3)
        self.std = np.array(inp["std"], dtype=np.float32).reshape(1, 1, 3)
        self.temperature = float(self.manifest["calibration"]["temperature"])
        types = self.manifest["damage_types"]
        self.thresholds = [self.manifest["regions"]["thresholds"][t] for t in types]
        self.min_cells = [self.manifest["regions"]["min_cells"].get(t, 1) for t in types]
        self.grid = (self.manifest["damage_map"]["grid_height"], self.manifest["damage_map"]["grid_width"])

    def image(self, data: bytes, draft: bool) -> tuple[Image.Image, tuple[int, int]]:
        """The resized input and the full photo's upright size (the boxes' coordinate space)."""
        im = Image.open(io.BytesIO(data))
        width, height = im.size
        if im.getexif().get(0x0112, 1) in (5, 6, 7, 8):
            width, height = height, width
        if draft:
            im.draft("RGB", self.draft_size)
        im = ImageOps.exif_transpose(im)
        im = im.convert("RGB")
        return im.resize(self.size, Image.BILINEAR), (width, height)

    def tensor(self, im: Image.Image) -> torch.Tensor:
        arr = (np.asarray(im, dtype=np.float32) * self.scale - self.mean) / self.std
        return torch.from_numpy(np.ascontiguousarray(arr.transpose(2, 0, 1)[None]))

    def suggest(self, x: torch.Tensor, width: int, height: int) -> dict:
        with torch.inference_mode():
            grade_logits, damage_logits = self.model(x)
        probs = torch.softmax(grade_logits[0] / self.temperature, -1).numpy()
        damage = torch.sigmoid(damage_logits[0]).numpy()
        regions = regions_from_probs(damage, self.grid[0], self.grid[1], width, height, self.thresholds, self.min_cells)
        best = int(np.argmax(probs))
        return {"grade": self.manifest["grades"][best], "confidence": float(probs[best]), "regions": len(regions)}

    def run(self, data: bytes, draft: bool) -> tuple[dict, dict]:
        t0 = time.perf_counter()
        im, (width, height) = self.image(data, draft)
        t1 = time.perf_counter()
        x = self.tensor(im)
        t2 = time.perf_counter()
        suggestion = self.suggest(x, width, height)
        t3 = time.perf_counter()
        return suggestion, {"image": t1 - t0, "tensor": t2 - t1, "infer_regions": t3 - t2}


def measure(fn, warmup: int, runs: int) -> list[float]:
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def count_flops(model, size) -> dict:
    x = torch.zeros(1, 3, size[1], size[0])
    with torch.inference_mode(), torch.profiler.profile(with_flops=True) as prof:
        model(x)
    by_op = {e.key: int(e.flops) for e in prof.key_averages() if e.flops}
    matrix = {k: v for k, v in by_op.items() if k in ("aten::conv2d", "aten::addmm", "aten::mm", "aten::bmm", "aten::linear", "aten::matmul")}
    return {"per_image_matrix_ops": sum(matrix.values()), "by_op": by_op}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--photo", required=True)
    ap.add_argument("--model", required=True, help="model folder with model.json and model.pt")
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    started = time.perf_counter()
    p = Pipeline(a.model)
    with open(a.photo, "rb") as f:
        data = f.read()

    result = {"python": sys.version.split()[0], "torch": torch.__version__, "numpy": np.__version__, "pil": PIL.__version__,
              "torch_threads": torch.get_num_threads(), "openblas": openblas_core(),
              "openblas_num_threads": os.environ.get("OPENBLAS_NUM_THREADS"),
              "model": p.manifest["name"] + "@" + p.manifest["version"], "input": list(p.size), "variants": {}}

    for name, draft in (("usual", False), ("draft", True)):
        suggestion, _ = p.run(data, draft)
        for _ in range(a.warmup):
            p.run(data, draft)
        stages = {"image": [], "tensor": [], "infer_regions": []}
        totals = []
        for _ in range(a.runs):
            t = time.perf_counter()
            _, st = p.run(data, draft)
            totals.append(time.perf_counter() - t)
            for k, v in st.items():
                stages[k].append(v)
        with Image.open(io.BytesIO(data)) as probe:
            if draft:
                probe.draft("RGB", (2 * p.size[0], 2 * p.size[1]))
            decoded = list(probe.size)
        result["variants"][name] = {"end_to_end": stats(totals),
                                    "stages_median_ms": {k: statistics.median(v) * 1000 for k, v in stages.items()},
                                    "decoded_size": decoded, "suggestion": suggestion}

    x1 = p.tensor(p.image(data, True)[0])
    x8 = x1.repeat(8, 1, 1, 1)
    with torch.inference_mode():
        result["inference"] = {
            "batch1": stats(measure(lambda: p.model(x1), a.warmup + 2, max(a.runs, 30))),
            "batch8": stats(measure(lambda: p.model(x8), 2, max(10, a.runs // 2))),
        }
    result["flops"] = count_flops(p.model, p.size)
    result["wall_s"] = time.perf_counter() - started
    print(json.dumps(result))


if __name__ == "__main__":
    main()
