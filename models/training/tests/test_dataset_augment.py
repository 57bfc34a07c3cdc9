"""augment() must move the damage target with the pixels: flips and quarter turns are exact on square grids."""
import numpy as np
import torch

from dataset import augment


def test_augment_moves_damage_target_with_the_pixels():
    grid, k, size = 8, 6, 32
    n = 64
    x = torch.full((n, 3, size, size), -1.0)
    d = torch.zeros(n, grid * grid, k, dtype=torch.uint8)
    # one bright 4x4 block per image at grid cell (1, 2), marked as damage type 3
    x[:, :, 4:8, 8:12] = 1.0
    d.view(n, grid, grid, k)[:, 1, 2, 3] = 1
    gen = torch.Generator().manual_seed(0)
    xa, da = augment(x, d, grid, gen, rotate=True)
    cell = size // grid
    seen = set()
    for i in range(n):
        cells = torch.nonzero(da[i].view(grid, grid, k)[..., 3]).tolist()
        assert len(cells) == 1
        r, c = cells[0]
        block = xa[i, 0, r * cell:(r + 1) * cell, c * cell:(c + 1) * cell]
        # the block is still the brightest place in the image (photometric jitter changes levels, not places)
        assert block.mean() > xa[i, 0].mean() + 0.5
        seen.add((r, c))
    # with flips and quarter turns over 64 images, the block lands in several of its 8 symmetric places
    assert len(seen) >= 5
    assert da.sum().item() == n


def test_concat_splits_keeps_each_photo_with_its_labels():
    from dataset import concat_splits
    a = {"pixels": np.zeros((2, 4, 4, 3), np.uint8), "grade": np.array([0, 1]), "damage": np.zeros((2, 4, 6), np.uint8),
         "meta": [{"item_id": "a0"}, {"item_id": "a1"}]}
    b = {"pixels": np.full((1, 4, 4, 3), 7, np.uint8), "grade": np.array([4]), "damage": np.ones((1, 4, 6), np.uint8),
         "meta": [{"item_id": "b0"}]}
    c = concat_splits([a, b])
    assert c["pixels"].shape == (3, 4, 4, 3) and c["pixels"][2, 0, 0, 0] == 7
    assert c["grade"].tolist() == [0, 1, 4]
    assert c["damage"][2].all() and not c["damage"][:2].any()
    assert [m["item_id"] for m in c["meta"]] == ["a0", "a1", "b0"]
    assert concat_splits([a]) is a
