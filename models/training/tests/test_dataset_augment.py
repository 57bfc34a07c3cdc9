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
