"""The count head (auxiliary per-type instance counts), its loss, and the fast component scan."""
import numpy as np
import torch

from model import COUNT_CLASSES, GraderViT, ModelConfig
from regions import components
from train import count_targets, load_checkpoint, losses


def cfg(count_head=True, subdiv=2):
    return ModelConfig(image_size=64, patch_size=16, dim=48, depth=2, heads=2, stem_channels=[8, 16, 32],
                       count_head=count_head, damage_subdiv=subdiv)


def test_count_targets_count_per_type_and_cap():
    meta = [{"boxes": []},
            {"boxes": [(0, [0, 0, 1, 1], 1), (0, [2, 2, 1, 1], 1), (3, [0, 0, 1, 1], 1)]},
            {"boxes": [(1, [0, 0, 1, 1], 1)] * 5}]
    c = count_targets(meta)
    assert c.shape == (3, 6) and c.dtype == np.int64
    assert c[0].tolist() == [0] * 6
    assert c[1].tolist() == [2, 0, 0, 1, 0, 0]
    assert c[2].tolist() == [0, COUNT_CLASSES - 1, 0, 0, 0, 0]


def test_count_head_is_not_an_onnx_output_but_feeds_the_grade():
    torch.manual_seed(0)
    m = GraderViT(cfg()).eval()
    x = torch.randn(2, 3, 64, 64)
    out = m(x)
    assert len(out) == 2 and out[0].shape == (2, 5) and out[1].shape == (2, 64, 6)
    g, d, c = m(x, return_counts=True)
    assert c.shape == (2, 6, COUNT_CLASSES) and torch.allclose(g, out[0])
    # the readout sees the count probabilities: changing only the count head changes the grade logits
    with torch.no_grad():
        m.count_head.bias[0] += 5.0
    assert not torch.allclose(m(x)[0], g)


def test_loss_includes_the_count_term_only_with_counts():
    torch.manual_seed(0)
    m = GraderViT(cfg())
    x = torch.randn(4, 3, 64, 64)
    grade = torch.tensor([0, 1, 2, 4])
    dmg = torch.zeros(4, 64, 6, dtype=torch.uint8)
    counts = torch.tensor([[0] * 6, [1, 0, 0, 0, 0, 0], [2, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 1]])
    base, lg, ld = losses(m, x, grade, dmg, 3.0, 1.0)
    assert torch.allclose(base, lg + ld)
    with_counts, lg2, ld2 = losses(m, x, grade, dmg, 3.0, 1.0, counts, 0.5)
    assert torch.allclose(lg, lg2) and with_counts.item() > base.item() + 0.5   # 6 types x ~ln(4) x 0.5


def test_model_without_count_head_still_loads(tmp_path):
    """A v1-style checkpoint (no count head) keeps working as an --init source."""
    m = GraderViT(cfg(count_head=False))
    torch.save({"config": m.cfg.to_dict(), "state_dict": m.state_dict()}, str(tmp_path / "model.pt"))
    loaded, _ = load_checkpoint(str(tmp_path))
    assert not loaded.cfg.count_head and not hasattr(loaded, "count_head")


def test_finer_damage_grid_shapes():
    m = GraderViT(cfg(subdiv=4))
    assert m.cfg.damage_grid == 16
    assert m(torch.zeros(1, 3, 64, 64))[1].shape == (1, 256, 6)


def _components_reference(binary):
    """The plain every-cell row-major scan the C# side implements."""
    h, w = binary.shape
    seen = np.zeros_like(binary, dtype=bool)
    comps = []
    for r in range(h):
        for c in range(w):
            if not binary[r, c] or seen[r, c]:
                continue
            stack, cells = [(r, c)], []
            seen[r, c] = True
            while stack:
                y, x = stack.pop()
                cells.append((y, x))
                for dy in (-1, 0, 1):
                    for dx in (-1, 0, 1):
                        yy, xx = y + dy, x + dx
                        if 0 <= yy < h and 0 <= xx < w and binary[yy, xx] and not seen[yy, xx]:
                            seen[yy, xx] = True
                            stack.append((yy, xx))
            comps.append(cells)
    return comps


def test_fast_component_scan_equals_the_reference_scan():
    rng = np.random.default_rng(3)
    for p in (0.05, 0.2, 0.45, 0.7):
        b = rng.random((24, 31)) < p
        assert components(b) == _components_reference(b)
    assert components(np.zeros((5, 5), bool)) == []
