"""The hybrid model's pretrained stem (issue 15 item 3): the weights read from the NuGet package's ONNX graph give the
features that graph gives, and the hybrid model keeps the ONNX contract. Needs `dotnet restore models/training/pretrained`
(test.sh runs it); without the package these tests fail rather than skip."""
import numpy as np
import onnx
import pytest
import torch
import torch.nn.functional as F
from onnx import numpy_helper

import pretrained
from model import GraderViT, ModelConfig


def run_onnx_graph(path: str, x: np.ndarray, until: str) -> np.ndarray:
    """The package's graph evaluated node by node from its own attributes (no ONNX Runtime in this Python): an
    independent reading of pads, strides and shortcut wiring, to check the hand-built module against."""
    graph = onnx.load(path).graph
    values = {i.name: torch.from_numpy(numpy_helper.to_array(i).copy()) for i in graph.initializer}
    values[graph.input[0].name] = torch.from_numpy(x)
    for node in graph.node:
        a = {t.name: onnx.helper.get_attribute_value(t) for t in node.attribute}
        inp = [values[n] for n in node.input]
        if node.op_type == "Conv":
            t, l, b, r = a["pads"]
            out = F.conv2d(F.pad(inp[0], (l, r, t, b)), inp[1], None, a["strides"])
        elif node.op_type == "BatchNormalization":
            out = F.batch_norm(inp[0], inp[3], inp[4], inp[1], inp[2], False, 0.0, a["epsilon"])
        elif node.op_type == "Relu":
            out = F.relu(inp[0])
        elif node.op_type == "MaxPool":
            t, l, b, r = a["pads"]
            out = F.max_pool2d(F.pad(inp[0], (l, r, t, b), value=float("-inf")), a["kernel_shape"], a["strides"])
        elif node.op_type == "Add":
            out = inp[0] + inp[1]
        else:
            raise AssertionError(f"unexpected node {node.op_type} before {until}")
        values[node.output[0]] = out
        if node.output[0] == until:
            return out.numpy()
    raise AssertionError(f"{until} not in the graph")


@pytest.mark.parametrize("stages", [2, 3])
def test_stem_matches_the_package_graph(stages):
    rng = np.random.default_rng(0)
    x = (rng.random((2, 3, 224, 224), dtype=np.float32) * 255 - 115).astype(np.float32)
    module = pretrained.ResNetStages(stages).load_onnx().eval()
    with torch.no_grad():
        ours = module(torch.from_numpy(x)).numpy()
    reference = run_onnx_graph(pretrained.resnet_onnx_path(), x, pretrained.onnx_stage_output(stages))
    assert ours.shape == reference.shape == (2, pretrained.STAGE_CHANNELS[stages], 224 // 2 ** (stages + 1), 224 // 2 ** (stages + 1))
    assert np.abs(ours - reference).max() < 1e-3 * max(1.0, float(np.abs(reference).max()))


def test_a_wrongly_wired_module_is_refused():
    module = pretrained.ResNetStages(3)
    module.layers[1][0].conv1.pads = (1, 1, 1, 1)   # symmetric padding: not what the graph does
    with pytest.raises(ValueError):
        module.load_onnx()


def hybrid_config(**kw):
    return ModelConfig(image_size=64, dim=32, depth=1, heads=2, stem="resnet18", stem_stages=3, count_head=True, **kw)


def test_hybrid_model_keeps_the_contract_and_its_stem_is_frozen():
    model = GraderViT(hybrid_config())
    model.load_pretrained_stem()
    reference = {k: v.clone() for k, v in model.stem.resnet.state_dict().items()}
    x = torch.randn(2, 3, 64, 64)
    grade, damage = model(x)
    assert grade.shape == (2, 5) and damage.shape == (2, (64 // 16 * 2) ** 2, 6)
    trainable = [n for n, p in model.named_parameters() if p.requires_grad]
    assert trainable and not any(n.startswith("stem.resnet.") for n in trainable)
    # a training step leaves the pretrained layers as they were, batch-norm statistics included
    model.train()
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-2)
    g, d = model(x)
    (g.sum() + d.sum()).backward()
    opt.step()
    for k, v in model.stem.resnet.state_dict().items():
        assert torch.equal(v, reference[k]), k
    # the module's input is the model's pixel_values (RGB, mean 0.5, std 0.5): a photo of the ImageNet mean colour
    # reaches the ResNet as zeros
    mean_rgb = torch.tensor(list(reversed(pretrained.bgr_mean()))) / 255.0
    photo = ((mean_rgb - 0.5) / 0.5).view(1, 3, 1, 1).expand(1, 3, 8, 8)
    assert model.stem.to_resnet_input(photo).abs().max() < 1e-4


def test_mirroring_at_the_features_runs_the_stem_once_and_averages_the_two_views():
    torch.manual_seed(0)
    model = GraderViT(hybrid_config(test_time_hflip=True, hflip_at="features")).eval()
    x = torch.randn(2, 3, 64, 64)
    calls = []
    model.stem.register_forward_hook(lambda m, i, o: calls.append(o.shape[0]))
    with torch.no_grad():
        grade, damage = model(x)
        assert calls == [2]   # one stem pass over the batch, not one over the batch and its mirror
        tokens = model.stem(x)
        plain_g, plain_d = model._forward(None, tokens=tokens)
        mirror_g, mirror_d = model._forward(None, tokens=tokens.flip(3))
    g = model.cfg.damage_grid
    expected_d = (plain_d.reshape(2, g, g, 6) + mirror_d.reshape(2, g, g, 6).flip(2)) / 2
    assert torch.allclose(grade, (plain_g + mirror_g) / 2, atol=1e-5)
    assert torch.allclose(damage, expected_d.reshape(2, g * g, 6), atol=1e-5)


def test_a_pretrained_size_localizer_trains_only_its_head_and_changes_no_other_output(tmp_path):
    # candidate N (issue 17): the item_box output from the ResNet's frozen stages under a trained head
    from export import ITEM_BOX_OUTPUT, export_onnx
    torch.manual_seed(0)
    cfg = ModelConfig(image_size=64, patch_size=16, dim=32, depth=1, heads=2, crop_to_item=True, frame_size=96,
                      frame_grid=24, localizer_size=48, localizer_channels=[8, 8, 8, 8], localizer_hidden=16)
    plain = GraderViT(cfg).eval()
    sized = GraderViT(ModelConfig.from_dict(dict(cfg.to_dict(), size_localizer=True, size_localizer_size=96,
                                                 size_localizer_stem="resnet18")))
    sized.size_localizer.load_pretrained()
    state = plain.state_dict()
    state.update({f"size_localizer.{k}": v for k, v in sized.size_localizer.state_dict().items()})
    sized.load_state_dict(state)
    reference = {k: v.clone() for k, v in sized.size_localizer.resnet.state_dict().items()}
    x = torch.randn(2, 3, 96, 96).clamp(-1, 1)
    sized.eval()
    with torch.no_grad():
        g0, d0 = plain(x)
        g1, d1 = sized(x)
        assert torch.equal(g0, g1) and torch.equal(d0, d1)              # the crop stays the first localizer's
        box = sized.item_box()
    assert box.shape == (2, 4) and bool((box[:, 2:] >= box[:, :2]).all()) and bool(((box >= 0) & (box <= 1)).all())
    trainable = sized.size_localizer.trainable_parameters()
    assert trainable and all(p.requires_grad for p in trainable)
    assert not any(p.requires_grad for p in sized.size_localizer.resnet.parameters())
    sized.size_localizer.train()
    assert not sized.size_localizer.resnet.training                     # ImageNet's batch-norm statistics stay
    opt = torch.optim.AdamW(trainable, lr=1e-2)
    before = [p.clone() for p in trainable]
    sized.size_localizer(x).sum().backward()
    opt.step()
    assert any(not torch.equal(p, q) for p, q in zip(trainable, before))
    for k, v in sized.size_localizer.resnet.state_dict().items():
        assert torch.equal(v, reference[k]), k
    # the ResNet's mean colour comes with its stages (a buffer, so the checkpoint and the graph carry it)
    assert sized.size_localizer.bgr_mean.abs().sum() > 0
    path = str(tmp_path / "sized.onnx")
    export_onnx(sized, path, item_box=True)
    assert [o.name for o in onnx.load(path).graph.output][-1] == ITEM_BOX_OUTPUT
