"""Candidate Q's study (issue 15, fusion_study.py): the pooling of the ResNet map over the crop and the fitted grade
correction, on numbers small enough to check by hand."""
import numpy as np
import pytest
import torch

from fusion_study import Correction, pooled_in_crop


def test_pooled_in_crop_reads_the_cells_whose_centres_lie_in_the_crop():
    fmap = torch.arange(2 * 3 * 4 * 4, dtype=torch.float32).reshape(2, 3, 4, 4)
    crop = torch.tensor([[0.0, 0.0, 1.0, 1.0], [0.5, 0.0, 1.0, 0.5]])   # all; the top right quarter (2 x 2 cells)
    pooled = pooled_in_crop(fmap, crop)
    assert pooled.shape == (2, 9)
    assert torch.equal(pooled[0, 0:3], fmap[0].mean((1, 2)))            # mean in the crop = the photo's mean
    assert torch.equal(pooled[0, 3:6], fmap[0].amax((1, 2)))
    assert torch.equal(pooled[1, 0:3], fmap[1, :, 0:2, 2:4].mean((1, 2)))
    assert torch.equal(pooled[1, 3:6], fmap[1, :, 0:2, 2:4].amax((1, 2)))
    assert torch.equal(pooled[1, 6:9], fmap[1].mean((1, 2)))


def test_a_crop_between_cell_centres_is_refused_rather_than_pooled_as_nothing():
    fmap = torch.ones(1, 2, 4, 4)
    with pytest.raises(ValueError, match="no cell centre"):
        pooled_in_crop(fmap, torch.tensor([[0.0, 0.0, 0.1, 0.1]]))


def test_the_correction_learns_what_the_grade_logits_miss_and_shrinks_to_them_under_a_heavy_weight():
    rng = np.random.default_rng(0)
    n = 400
    y = rng.integers(0, 5, n)
    signal = np.eye(5)[y] * 3 + rng.normal(0, 0.3, (n, 5))             # features that tell the grade
    out = {"grade": np.zeros((n, 5)), "resnet": signal}                 # logits that tell nothing
    light = Correction("resnet", out, y, 1e-4)
    assert (light.logits(out).argmax(1) == y).mean() > 0.95
    heavy = Correction("resnet", out, y, 1e3)
    assert np.abs(heavy.w).max() < 0.01                                 # what the L2 weight is there for
    assert (heavy.logits(out).argmax(1) == y).mean() < 0.5
