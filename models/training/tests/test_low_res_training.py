"""Training at a lower resolution first (train.py --low-res-size): the lowered view keeps every damaged cell, the
network runs on the smaller token grid with resampled position embeddings, and the model it leaves is the configured
one (same config, same checkpoint keys; the export path is unchanged and covered elsewhere)."""
import json
import subprocess
import sys

import torch

from conftest import export_without_item_boxes
from dataset import lower_resolution_view
from model import GraderViT, ModelConfig
from train import HERE, losses


def tiny_crop_cfg() -> ModelConfig:
    return ModelConfig(image_size=96, patch_size=16, dim=48, depth=2, heads=2, stem_channels=[8, 16, 32],
                       damage_subdiv=4, count_head=True, crop_to_item=True, frame_size=160, frame_grid=40)


def test_the_lowered_view_keeps_each_damaged_cell_where_it_was():
    n, grid, k = 3, 24, 6
    x = torch.zeros(n, 3, 96, 96)
    x[:, :, 40:48, 60:68] = 1.0                            # a bright block over damage cells (10..11, 15..16)
    d = torch.zeros(n, grid * grid, k, dtype=torch.uint8)
    d.view(n, grid, grid, k)[:, 10:12, 15:17, 2] = 1
    d.view(n, grid, grid, k)[0, 23, 0, 5] = 1              # a single corner cell of another type, one photo only
    xl, dl, low = lower_resolution_view(x, d, grid, 64)
    assert xl.shape == (n, 3, 64, 64) and low == 16 and dl.shape == (n, 16 * 16, k) and dl.dtype == torch.uint8
    cells = dl.view(n, low, low, k)
    # 24 -> 16 cells: the damaged cells' area (rows 10..11 -> 6.7..8, cols 15..16 -> 10..11.3) is marked, nothing else
    assert torch.nonzero(cells[1, ..., 2]).tolist() == [[6, 10], [6, 11], [7, 10], [7, 11]]
    assert cells[0, 15, 0, 5] == 1 and cells[1, ..., 5].sum() == 0
    # the pixels moved with the grid: the block's place is bright, antialiased, mean brightness kept
    assert xl[0, 0, 28:31, 41:44].min() > 0.99 and xl[0, 0, :20, :20].abs().max() < 1e-6
    assert abs(xl.mean().item() - x.mean().item()) < 1e-3


def test_the_network_runs_on_a_smaller_token_grid_with_its_position_embeddings_resampled():
    torch.manual_seed(0)
    cfg = tiny_crop_cfg()
    model = GraderViT(cfg)
    assert torch.equal(model.pos_embed_for(cfg.token_grid), model.pos_embed)
    low = model.pos_embed_for(4)
    assert low.shape == (1, 4 * 4 + 1, cfg.dim) and torch.equal(low[:, 0], model.pos_embed[:, 0])
    grade, damage, counts = model.forward_crop(torch.randn(2, 3, 64, 64), return_counts=True, token_grid=4)
    assert grade.shape == (2, 5) and damage.shape == (2, 16 * 16, 6) and counts.shape == (2, 6, 4)
    # the loss's gradient reaches the configured position embeddings through the resampling
    y, d = torch.tensor([0, 3]), torch.zeros(2, 16 * 16, 6, dtype=torch.uint8)
    loss, _, _ = losses(model, torch.randn(2, 3, 64, 64), y, d, 3.0, 1.0, torch.zeros(2, 6, dtype=torch.long),
                        token_grid=4)
    loss.backward()
    assert model.pos_embed.grad is not None and model.pos_embed.grad[:, 1:].abs().sum() > 0


def test_train_py_trains_the_first_share_at_the_lower_size_and_leaves_the_configured_model(tmp_path):
    out = tmp_path / "run"
    cfg = tiny_crop_cfg()
    res = subprocess.run([sys.executable, "train.py", "--data", export_without_item_boxes(tmp_path / "pkg", 40), "--out", str(out),
                          "--epochs", "4",
                          "--batch", "4", "--warmup", "2", "--crop-to-item", "--image-size", str(cfg.image_size),
                          "--frame-size", str(cfg.frame_size), "--frame-grid", str(cfg.frame_grid), "--dim", "48",
                          "--depth", "2", "--heads", "2", "--damage-subdiv", "4", "--crop-variants", "1",
                          "--low-res-size", "64", "--low-res-share", "0.5", "--validate-every", "4",
                          "--cache", str(tmp_path / "cache")], cwd=HERE, capture_output=True, text=True)
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]
    summary = json.load(open(out / "train_summary.json"))["training"]
    steps, low = summary["steps"], summary["low_res"]
    assert low["size"] == 64 and 0 < low["steps"] < steps
    assert abs(low["steps"] - steps / 2) <= 1                # the share is of the schedule's progress
    assert f"step {low['steps']}: from here on the network trains at 96 px" in res.stdout
    ck = torch.load(str(out / "final.pt"))
    assert ck["config"]["image_size"] == 96
    assert set(ck["state_dict"]) == set(GraderViT(ModelConfig.from_dict(ck["config"])).state_dict())


def test_a_lower_size_that_is_not_a_whole_number_of_patches_is_refused(tiny_package, tmp_path):
    res = subprocess.run([sys.executable, "train.py", "--data", tiny_package, "--out", str(tmp_path / "run"),
                          "--epochs", "1", "--batch", "4", "--image-size", "96", "--dim", "48", "--depth", "2",
                          "--heads", "2", "--damage-subdiv", "2", "--low-res-size", "72",
                          "--cache", str(tmp_path / "cache")], cwd=HERE, capture_output=True, text=True)
    assert res.returncode != 0 and "--low-res-size must be a multiple of 16" in res.stderr + res.stdout
