import io
import json
import os

import numpy as np
import onnx
import torch
from PIL import Image

from dataset import load_split, preprocess_image, to_tensor
from model import GraderViT, ModelConfig
from package import PackageWriter, open_package
from train import losses


def test_loader_reads_generator_package(tiny_package):
    d = load_split(tiny_package, "train", 64, 8, cache_dir=None, verbose=False)
    n = len(d["grade"])
    assert n == len(open_package(tiny_package).samples("train")) > 0
    assert d["pixels"].shape == (n, 64, 64, 3) and d["pixels"].dtype == np.uint8
    assert d["damage"].shape == (n, 64, 6)
    for dm, meta in zip(d["damage"], d["meta"]):
        assert bool(dm.any()) == bool(meta["boxes"])   # damage cells exactly where damage is annotated
    x = to_tensor(d["pixels"][:2])
    assert x.shape == (2, 3, 64, 64) and x.min() >= -1 and x.max() <= 1


def test_loader_reads_a_box_only_export_style_package(tmp_path):
    """The app's export carries hand-drawn boxes (no masks) and real photo sizes."""
    w = PackageWriter(str(tmp_path / "export"), source="export")
    buf = io.BytesIO()
    Image.new("RGB", (800, 600), (120, 130, 140)).save(buf, "JPEG")
    for i in range(12):
        w.add_item(f"ret-{i}", "VeryGood", [{"jpeg": buf.getvalue(), "width": 800, "height": 600,
                                             "annotations": [{"type": "stain", "bbox": [100, 100, 200, 150]}]}])
    w.finish(zip_output=True)
    for path in (str(tmp_path / "export"), str(tmp_path / "export.zip")):
        pkg = open_package(path)
        total = 0
        for split in ("train", "validation", "test"):
            d = load_split(path, split, 32, 8, verbose=False)
            total += len(d["grade"])
            for dm in d["damage"]:
                cells = dm.reshape(8, 8, 6)[..., 1]
                # box x 100..300, y 100..250 on 100 x 75 px cells: cols 1-2, rows 1-3 (row 3 covered 1/3)
                assert cells[1:4, 1:3].all() and cells.sum() == 6
        assert total == 12 == len(pkg.samples())


def test_preprocess_stretches_to_square():
    buf = io.BytesIO()
    Image.new("RGB", (1024, 768), (10, 200, 30)).save(buf, "JPEG", quality=95)
    px = preprocess_image(buf.getvalue(), 256)
    assert px.shape == (256, 256, 3)
    assert abs(int(px[128, 128, 1]) - 200) <= 3


def tiny_cfg():
    return ModelConfig(image_size=64, patch_size=16, dim=48, depth=2, heads=2, stem_channels=[8, 16, 32])


def test_model_output_shapes():
    cfg = tiny_cfg()
    g, d = GraderViT(cfg)(torch.zeros(3, 3, 64, 64))
    assert g.shape == (3, 5) and d.shape == (3, 8 * 8, 6)


def test_damage_map_cells_are_row_major_over_the_image():
    """A damage-head unit that fires for one token must light that token's 2x2 cells in row-major order."""
    cfg = tiny_cfg()
    m = GraderViT(cfg)
    tokens = torch.zeros(1, 16, cfg.dim)
    tokens[0, 1 * 4 + 2] = 1.0            # token row 1, col 2
    with torch.no_grad():
        m.damage_head.weight.zero_()
        m.damage_head.bias.zero_()
        m.damage_head.weight[:, :] = 1.0
        m.damage_norm = torch.nn.Identity()
        d = m.damage_head(tokens)
        s, g, k = 2, 4, 6
        d = d.reshape(1, g, g, k, s, s).permute(0, 1, 4, 2, 5, 3).reshape(1, g * s * g * s, k)
    lit = sorted(int(i) for i in torch.nonzero(d[0, :, 0]).flatten())
    grid = 8
    assert lit == sorted([(2 + dy) * grid + 4 + dx for dy in (0, 1) for dx in (0, 1)])


def test_a_few_training_steps_lower_the_loss(tiny_package):
    torch.manual_seed(0)
    cfg = tiny_cfg()
    d = load_split(tiny_package, "train", 64, cfg.damage_grid, verbose=False)
    x = to_tensor(d["pixels"][:16])
    y = torch.from_numpy(d["grade"][:16])
    dm = torch.from_numpy(d["damage"][:16])
    model = GraderViT(cfg)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    first = None
    for _ in range(25):
        loss, _, _ = losses(model, x, y, dm, 3.0, 1.0)
        first = first if first is not None else loss.item()
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():   # still in train mode: BatchNorm running stats are not settled after 25 steps
        final, _, _ = losses(model, x, y, dm, 3.0, 1.0)
    assert final.item() < 0.7 * first


def test_onnx_export_checks_and_has_dynamic_batch(tmp_path):
    from export import check_onnx, export_onnx
    cfg = tiny_cfg()
    model = GraderViT(cfg).eval()
    path = str(tmp_path / "m.onnx")
    export_onnx(model, path)           # runs onnx.checker and asserts names/shapes
    info = check_onnx(path, cfg)
    assert info["inputs"]["pixel_values"][0] == "batch"
    assert info["outputs"]["damage_logits"] == ["batch", 64, 6]
    m = onnx.load(path)
    assert m.opset_import[0].version == 17


def test_export_folder_roundtrip_and_finetune_init(tmp_path, tiny_package):
    """export.py writes model.pt that train.load_checkpoint reads back (the fine-tuning entry point)."""
    from export import golden
    from train import load_checkpoint
    cfg = tiny_cfg()
    model = GraderViT(cfg).eval()
    cal = {"temperature": 1.5, "thresholds": [0.5] * 6, "min_cells": [1] * 6}
    torch.save({"config": cfg.to_dict(), "calibration": cal,
                "state_dict": {k: v.half() if v.is_floating_point() else v for k, v in model.state_dict().items()}},
               str(tmp_path / "model.pt"))
    loaded, ck = load_checkpoint(str(tmp_path))
    assert loaded.cfg == cfg and ck["calibration"]["temperature"] == 1.5
    gold = golden(loaded, cal, tiny_package)
    assert len(gold["cases"]) == 3
    case = gold["cases"][0]
    assert len(case["pixels_u8"]) == 64 * 64 * 3 and len(case["damage_logits"]) == 64 * 6
    x = to_tensor(np.array(case["pixels_u8"], np.uint8).reshape(1, 64, 64, 3))
    with torch.no_grad():
        g, _ = loaded(x)
    assert np.allclose(g[0].numpy(), case["grade_logits"], atol=1e-5)


def test_export_py_writes_the_decode_factor_it_is_given_and_refuses_one_under_1(tmp_path):
    """The manifest's decode rule is an export choice (3.0.1 ships 1.0 while training decodes with 1.5)."""
    import subprocess
    import sys
    cfg = tiny_cfg()
    model = GraderViT(cfg).eval()
    ckpt = tmp_path / "final.pt"
    torch.save({"config": cfg.to_dict(), "state_dict": model.state_dict(),
                "calibration": {"temperature": 1.2, "thresholds": [0.5] * 6, "min_cells": [1] * 6}}, str(ckpt))
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

    def export(out, *extra):
        return subprocess.run([sys.executable, "export.py", "--ckpt", str(ckpt), "--out", str(out), *extra],
                              cwd=here, capture_output=True, text=True)

    default = export(tmp_path / "default")
    assert default.returncode == 0, default.stderr
    lowered = export(tmp_path / "lowered", "--min-decoded-factor", "1.0")
    assert lowered.returncode == 0, lowered.stderr
    factor = lambda d: json.load(open(tmp_path / d / "model.json"))["input"]["resize"]["min_decoded_factor"]
    from dataset import MIN_DECODED_FACTOR
    assert factor("default") == MIN_DECODED_FACTOR and factor("lowered") == 1.0
    refused = export(tmp_path / "refused", "--min-decoded-factor", "0.5")
    assert refused.returncode != 0 and "at least 1" in refused.stderr


def test_a_relu_stem_trained_channels_last_reloads_and_exports_as_the_same_network(tmp_path):
    """--stem-activation relu: a ReLU stem, trained in channels-last layout (train.py). Layout must not change what the network computes
    or what a checkpoint holds, and a manifest written before the option existed still means GELU."""
    from dataclasses import replace
    from export import export_onnx
    cfg = replace(tiny_cfg(), stem_activation="relu")
    torch.manual_seed(0)
    trained = GraderViT(cfg).eval()
    trained.stem.to(memory_format=torch.channels_last)
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        g_cl, d_cl = trained(x.contiguous(memory_format=torch.channels_last))
    reloaded = GraderViT(cfg).eval()
    reloaded.load_state_dict(trained.state_dict())
    with torch.no_grad():
        g, d = reloaded(x)
    assert torch.allclose(g, g_cl, atol=1e-5) and torch.allclose(d, d_cl, atol=1e-5)
    acts = {type(m).__name__ for m in reloaded.stem.net}
    assert "ReLU" in acts and "GELU" not in acts
    path = str(tmp_path / "m.onnx")
    export_onnx(reloaded, path)
    assert "Relu" in {n.op_type for n in onnx.load(path).graph.node}
    old = {k: v for k, v in tiny_cfg().to_dict().items() if k != "stem_activation"}
    assert ModelConfig.from_dict(old).stem_activation == "gelu"
