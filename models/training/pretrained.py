"""The ImageNet-trained ResNet-18 that a hybrid model's stem starts from (issue 15 item 3, ADR 0026).

The weights come from NuGet package Microsoft.ML.DnnImageFeaturizer.ResNet18 0.24.0 (MIT), restored with
``dotnet restore models/training/pretrained``; nothing of it is committed. Its ONNX graph (exported from CNTK) is read
with python3-onnx and its first stages become a PyTorch module with the same arithmetic:

* input: BGR, 0..255, minus the package's mean image (ResNetPreprocess.onnx). The mean image is nearly flat, so its
  per-channel mean is used (the stem runs on crops of any size, not only 224 x 224).
* CNTK pads stride-2 convolutions and the max pool asymmetrically (one more pixel before than after); reproduced with
  an explicit F.pad, so the features match the ONNX graph's (tests/test_pretrained_stem.py).
"""
from __future__ import annotations

import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

PACKAGE = "microsoft.ml.dnnimagefeaturizer.resnet18"
VERSION = "0.24.0"
STAGE_CHANNELS = {1: 64, 2: 128, 3: 256}   # channels after layer1..3 (strides 4, 8, 16)


def package_folder() -> str:
    root = os.environ.get("NUGET_PACKAGES") or os.path.join(os.path.expanduser("~"), ".nuget", "packages")
    return os.path.join(root, PACKAGE, VERSION, "tools", "DnnImageModels")


def resnet_onnx_path() -> str:
    path = os.path.join(package_folder(), "ResNet18Onnx", "ResNet18.onnx")
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path} not found: run `dotnet restore models/training/pretrained` first")
    return path


def bgr_mean() -> list[float]:
    """Per-channel mean (B, G, R, on 0..255) of the package's mean image."""
    import onnx
    from onnx import numpy_helper
    prep = onnx.load(os.path.join(package_folder(), "ResNetPrepOnnx", "ResNetPreprocess.onnx"))
    mean = {i.name: numpy_helper.to_array(i) for i in prep.graph.initializer}["MeanImage"]
    return [float(v) for v in mean.reshape(3, -1).mean(axis=1)]


class PaddedConvBN(nn.Module):
    """Convolution (no bias) + batch norm, padded as the ONNX node says: (top, left) before, (bottom, right) after."""

    def __init__(self, c_in: int, c_out: int, k: int, stride: int, pads: tuple[int, int, int, int]):
        super().__init__()
        self.pads = pads
        self.conv = nn.Conv2d(c_in, c_out, k, stride, 0, bias=False)
        self.bn = nn.BatchNorm2d(c_out, eps=1e-5)

    def forward(self, x):
        top, left, bottom, right = self.pads
        return self.bn(self.conv(F.pad(x, (left, right, top, bottom))))


class BasicBlock(nn.Module):
    def __init__(self, c_in: int, c_out: int, stride: int):
        super().__init__()
        pads = (1, 1, 1, 1) if stride == 1 else (1, 1, 0, 0)
        self.conv1 = PaddedConvBN(c_in, c_out, 3, stride, pads)
        self.conv2 = PaddedConvBN(c_out, c_out, 3, 1, (1, 1, 1, 1))
        self.down = PaddedConvBN(c_in, c_out, 1, stride, (0, 0, 0, 0)) if stride != 1 or c_in != c_out else None

    def forward(self, x):
        out = self.conv2(F.relu(self.conv1(x)))
        return F.relu(out + (x if self.down is None else self.down(x)))


class ResNetStages(nn.Module):
    """ResNet-18's conv1 + max pool + layer1..``stages``: a stride 4 * 2^(stages-1) feature map."""

    def __init__(self, stages: int = 3):
        super().__init__()
        assert stages in STAGE_CHANNELS
        self.stages = stages
        self.conv1 = PaddedConvBN(3, 64, 7, 2, (3, 3, 2, 2))
        layers, c_in = [], 64
        for i in range(stages):
            c = 64 * 2 ** i
            layers.append(nn.Sequential(BasicBlock(c_in, c, 1 if i == 0 else 2), BasicBlock(c, c, 1)))
            c_in = c
        self.layers = nn.ModuleList(layers)

    @property
    def out_channels(self) -> int:
        return STAGE_CHANNELS[self.stages]

    def forward(self, bgr):
        """bgr: BGR on 0..255 minus the mean, NCHW."""
        x = F.relu(self.conv1(bgr))
        x = F.max_pool2d(F.pad(x, (1, 0, 1, 0), value=float("-inf")), 3, 2)
        for layer in self.layers:
            x = layer(x)
        return x

    def convs_in_onnx_order(self) -> list[PaddedConvBN]:
        """The convolutions in the order the CNTK graph lists them (a block's shortcut before its main path)."""
        out = [self.conv1]
        for layer in self.layers:
            for block in layer:
                out += ([block.down] if block.down is not None else []) + [block.conv1, block.conv2]
        return out

    def load_onnx(self, path: str | None = None) -> "ResNetStages":
        """Copies the weights of the package's ONNX graph into this module (conv and batch-norm nodes in graph order;
        each node's shape and padding are checked against the module's)."""
        import onnx
        from onnx import numpy_helper
        graph = onnx.load(path or resnet_onnx_path()).graph
        init = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
        nodes = [n for n in graph.node if n.op_type in ("Conv", "BatchNormalization")]
        targets = self.convs_in_onnx_order()
        for i, target in enumerate(targets):
            conv, bn = nodes[2 * i], nodes[2 * i + 1]
            assert conv.op_type == "Conv" and bn.op_type == "BatchNormalization" and bn.input[0] == conv.output[0]
            weight = init[conv.input[1]]
            attrs = {a.name: onnx.helper.get_attribute_value(a) for a in conv.attribute}
            if tuple(weight.shape) != tuple(target.conv.weight.shape) or tuple(attrs["pads"]) != target.pads \
                    or attrs["strides"][0] != target.conv.stride[0]:
                raise ValueError(f"ONNX node {conv.output[0]} {weight.shape} pads {attrs['pads']} does not fit "
                                 f"{tuple(target.conv.weight.shape)} pads {target.pads}")
            scale, bias, mean, var = (init[n] for n in bn.input[1:5])
            with torch.no_grad():
                target.conv.weight.copy_(torch.from_numpy(weight.copy()))
                target.bn.weight.copy_(torch.from_numpy(scale.copy()))
                target.bn.bias.copy_(torch.from_numpy(bias.copy()))
                target.bn.running_mean.copy_(torch.from_numpy(mean.copy()))
                target.bn.running_var.copy_(torch.from_numpy(var.copy()))
        return self


def onnx_stage_output(stages: int) -> str:
    """Name of the ReLU output that ends layer ``stages`` in the package's graph (for the parity test)."""
    return {1: "ReLU283_Output_0", 2: "ReLU315_Output_0", 3: "ReLU347_Output_0"}[stages]
