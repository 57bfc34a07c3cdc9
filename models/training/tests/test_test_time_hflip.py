"""Mirror averaging at inference (ModelConfig.test_time_hflip) computes what it says, and survives ONNX export."""
import torch

from model import GraderViT, ModelConfig


def _model(tta: bool) -> GraderViT:
    torch.manual_seed(0)
    m = GraderViT(ModelConfig(image_size=64, dim=32, depth=1, heads=2, damage_subdiv=2, count_head=True,
                              test_time_hflip=tta))
    return m.eval()


def test_mirror_averaging_equals_the_mean_of_the_image_and_its_mirror():
    plain, tta = _model(False), _model(True)
    tta.load_state_dict(plain.state_dict())
    x = torch.randn(3, 3, 64, 64)
    g = plain.cfg.damage_grid
    with torch.no_grad():
        g1, d1 = plain(x)
        g2, d2 = plain(x.flip(3))
        ga, da = tta(x)
    d2_back = d2.view(3, g, g, 6).flip(2).reshape(3, g * g, 6)
    assert torch.allclose(ga, (g1 + g2) / 2, atol=1e-5)
    assert torch.allclose(da, (d1 + d2_back) / 2, atol=1e-5)
    # a mirrored photo gets the same grade and the mirrored damage map
    with torch.no_grad():
        gm, dm = tta(x.flip(3))
    assert torch.allclose(gm, ga, atol=1e-5)
    assert torch.allclose(dm.view(3, g, g, 6).flip(2).reshape(3, g * g, 6), da, atol=1e-5)


def test_training_mode_does_not_average():
    tta = _model(True).train()
    x = torch.randn(2, 3, 64, 64)
    g, d = tta(x)
    assert g.shape == (2, 5) and d.shape == (2, tta.cfg.damage_grid ** 2, 6)
