"""Matrix-multiply peak of this machine: float32 SGEMM through numpy (OpenBLAS), and an ONNX file holding a single
MatMul so the C# bench can measure the same through ONNX Runtime (MLAS).

    OPENBLAS_NUM_THREADS=2 /usr/bin/python3 bench/python/sgemm.py --n 1024 2048 --onnx-out matmul.onnx

Prints one JSON object: for each n, the median and best GFLOP/s of C = A @ B (2 n^3 FLOPs) over --runs runs.
"""
from __future__ import annotations

import argparse
import ctypes
import json
import os
import statistics
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")

import numpy as np  # noqa: E402


def write_matmul_onnx(path: str, n: int):
    import onnx
    from onnx import TensorProto, helper

    a = helper.make_tensor_value_info("A", TensorProto.FLOAT, [n, n])
    b = helper.make_tensor_value_info("B", TensorProto.FLOAT, [n, n])
    c = helper.make_tensor_value_info("C", TensorProto.FLOAT, [n, n])
    graph = helper.make_graph([helper.make_node("MatMul", ["A", "B"], ["C"])], "sgemm", [a, b], [c])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, nargs="+", default=[1024, 2048])
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--onnx-out")
    ap.add_argument("--onnx-n", type=int, default=1024)
    a = ap.parse_args()
    try:
        lib = ctypes.CDLL("libblas.so.3")
        lib.openblas_get_config.restype = ctypes.c_char_p
        config, threads = lib.openblas_get_config().decode(), lib.openblas_get_num_threads()
    except (OSError, AttributeError):
        config, threads = "not OpenBLAS", None
    rng = np.random.default_rng(1)
    out = {"openblas": config, "openblas_threads": threads, "results": []}
    for n in a.n:
        x = rng.random((n, n), dtype=np.float32)
        y = rng.random((n, n), dtype=np.float32)
        z = np.empty((n, n), dtype=np.float32)
        for _ in range(3):
            np.matmul(x, y, out=z)
        ts = []
        for _ in range(a.runs):
            t = time.perf_counter()
            np.matmul(x, y, out=z)
            ts.append(time.perf_counter() - t)
        flop = 2.0 * n ** 3
        out["results"].append({"n": n, "median_ms": statistics.median(ts) * 1000,
                               "gflops_median": flop / statistics.median(ts) / 1e9, "gflops_best": flop / min(ts) / 1e9})
    if a.onnx_out:
        write_matmul_onnx(a.onnx_out, a.onnx_n)
        out["onnx"] = {"path": a.onnx_out, "n": a.onnx_n}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
