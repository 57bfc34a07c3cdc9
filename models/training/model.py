"""A small vision transformer with a grade head and a coarse damage-map head.

Architecture (all sizes come from ``ModelConfig``):

* conv stem: four 3x3 stride-2 convolutions (BatchNorm + GELU, or ReLU: ``stem_activation``) bring the image to a
  stride-16 feature map; each cell of that map is one *patch token*. A convolutional
  stem instead of a single 16x16 linear patch projection trains much faster from scratch
  (Xiao et al. 2021, "Early convolutions help transformers see better") and keeps thin
  lines (scratches) visible, because the first layer sees the full input resolution.
* a class token plus learned position embeddings, then ``depth`` pre-norm transformer blocks.
* grade head: LayerNorm(class token) -> Linear -> 5 grade logits (best -> worst).
* grade readout (``grade_readout``): per damage type, the max and the mean of the damage map's
  probabilities go through a small MLP whose output is added to the grade logits. The rubric grade is a
  function of which damage is present, so this gives the class-token head direct access to the damage
  evidence; its last layer starts at zero, so it can be added to a trained model without changing it.
* count head (``count_head``, an auxiliary signal): class token -> for each damage type, logits of
  0 / 1 / 2 / 3+ instances. The rubric grade is a function of these counts (severity points add up), so
  their softmax is also fed to the grade readout. Not an ONNX output; trained with its own cross-entropy.
* damage head: LayerNorm(patch token) -> Linear -> ``6 * s * s`` logits, i.e. each patch token
  predicts the 6 damage-type logits of its ``s x s`` sub-cells. With ``s = 2`` the damage map
  has twice the token grid's resolution. Output is ``[N, (gh*s) * (gw*s), 6]`` in row-major cell
  order (cell index = row * grid_w + col), multi-label (sigmoid per type).

Crop to the item (``crop_to_item``, 3.0.0): the network's input is then the whole photo at ``frame_size`` (larger
than ``image_size``). A small convolutional *localizer* looks at the photo shrunk to ``localizer_size`` and gives
the item's box; the photo is cropped to that box plus a margin and resampled to ``image_size`` (bilinear
``grid_sample``, inside the graph); the ViT above runs on the crop, so the item gets about twice the pixels and
tokens it got on the whole photo; the crop's damage map is resampled back onto a ``frame_grid`` x ``frame_grid``
grid over the whole photo (cells outside the crop get a very low logit). Inputs, outputs and their meaning are the
same as without cropping; only the sizes differ (the manifest gives them), so the app runs it unchanged.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import torch
import torch.nn as nn
import torch.nn.functional as F

from rubric import DAMAGE_TYPES, GRADES

COUNT_CLASSES = 4   # per damage type: 0, 1, 2, 3 or more instances


@dataclass
class ModelConfig:
    image_size: int = 256          # square input, pixels
    patch_size: int = 16           # stride of the conv stem = size of one patch token
    dim: int = 192
    depth: int = 6
    heads: int = 3
    mlp_ratio: float = 3.0
    stem_channels: list = field(default_factory=lambda: [24, 48, 96])
    stem_activation: str = "gelu"  # "gelu" (every shipped model) or "relu" (an experiment): see ConvStem
    stem: str = "conv"             # "conv" (ConvStem, trained from scratch) or "resnet18" (HybridStem: the first
                                   # ``stem_stages`` stages of an ImageNet-trained ResNet-18, frozen; ADR 0026)
    stem_stages: int = 3           # (resnet18) how many of its stages: 3 = stride 16, 256 channels
    hflip_at: str = "image"        # (test_time_hflip) mirror the image ("image": the stem runs twice) or the stem's
                                   # feature map ("features": once; an approximation, for the costlier ResNet stem)
    damage_subdiv: int = 2         # damage cells per token side
    grade_readout: bool = True     # add pooled damage-map evidence to the class-token grade logits
    count_head: bool = False       # class token -> per-type instance counts (0, 1, 2, 3+), fed to the readout
    num_grades: int = len(GRADES)
    num_damage: int = len(DAMAGE_TYPES)
    dropout: float = 0.0
    test_time_hflip: bool = False  # in eval mode: average the outputs for the image and its mirror image (one graph)
    crop_to_item: bool = False     # input = whole photo at frame_size; localizer -> crop to the item -> ViT at image_size
    frame_size: int = 320          # (crop_to_item) the input: the whole photo stretched to frame_size x frame_size
    frame_grid: int = 80           # (crop_to_item) damage-map output grid over the whole photo
    localizer_size: int = 80       # (crop_to_item) the localizer sees the input average-pooled to this size
    crop_margin: float = 0.08      # (crop_to_item) margin added on each side of the item box, as a share of its size
    crop_min_size: float = 0.25    # (crop_to_item) smallest crop side, as a share of the photo's side
    localizer_channels: list = field(default_factory=lambda: [16, 32, 64, 64])   # (crop_to_item) its convolutions
    localizer_hidden: int = 128    # (crop_to_item) its MLP's hidden width
    size_localizer: bool = False   # (crop_to_item) a second localizer, trained on items from further away
                                   # (localizer_zoom.py --as-size-localizer), whose box is only the item_box output:
                                   # the crop, and so every other output, stays the first localizer's
    size_localizer_size: int = 0   # (size_localizer) the side of the photo it sees; 0: localizer_size. Tried at 160 px
                                   # for far-away items on busy scenes; no better than 80 (REPORT.md "Candidate L")
    size_localizer_stem: str = "conv"  # (size_localizer) "conv": Localizer's own small convolutions, trained here;
                                   # "resnet18": ImageNet-trained ResNet-18 stages, frozen, under a trained head
                                   # (PretrainedLocalizer; candidate N)
    size_second_look: float = 0.0  # (size_localizer) > 0: it looks a second time, at the photo cropped around its
                                   # first box grown by this share of the box on each side (at least crop_min_size),
                                   # and item_box is the second box, mapped back to the photo (candidate P)
    familiarity: bool = False      # a third output: how close the photo's features lie to the training photos'
                                   # (familiarity.py fits it after training; the export names it in the manifest)

    @property
    def size_view_size(self) -> int:
        """Side of the view the size localizer sees."""
        return self.size_localizer_size or self.localizer_size

    @property
    def token_grid(self) -> int:
        return self.image_size // self.patch_size

    @property
    def damage_grid(self) -> int:
        """The damage head's own grid (over the network's view: the crop when cropping)."""
        return self.token_grid * self.damage_subdiv

    @property
    def input_size(self) -> int:
        """Side of the model's input (``pixel_values``): the whole photo."""
        return self.frame_size if self.crop_to_item else self.image_size

    @property
    def output_grid(self) -> int:
        """Side of the grid of the model's ``damage_logits`` output, over the whole photo."""
        return self.frame_grid if self.crop_to_item else self.damage_grid

    def to_dict(self) -> dict:
        return asdict(self)

    @staticmethod
    def from_dict(d: dict) -> "ModelConfig":
        known = {k: v for k, v in d.items() if k in ModelConfig.__dataclass_fields__}
        return ModelConfig(**known)


class ConvStem(nn.Module):
    """stem_activation "relu" (tried 2026-12-02, not shipped: REPORT.md "v11"): Xiao et al.'s stem uses ReLU, and on
    this CPU it makes the stem cheaper to train. The stem was about half of a bf16 training step in torch.profiler
    (convolution backward 105 ms, GELU 30 ms, batch 32); in channels-last layout oneDNN's convolutions take about a
    third of that, but bf16 GELU in that layout is ~5x slower (72 vs 13 ms forward + backward on the first map) while
    ReLU is 3 ms. Measured in 3-minute runs: 82 photos/s (ReLU, channels-last) vs 72 (GELU, default layout)."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        act = {"gelu": nn.GELU, "relu": nn.ReLU}[cfg.stem_activation]
        n_down = int(round(math.log2(cfg.patch_size)))
        assert 2 ** n_down == cfg.patch_size, "patch_size must be a power of two"
        chans = list(cfg.stem_channels)
        while len(chans) < n_down - 1:
            chans.append(chans[-1] * 2)
        chans = chans[: n_down - 1]
        layers, c_in = [], 3
        for c in chans:
            layers += [nn.Conv2d(c_in, c, 3, 2, 1, bias=False), nn.BatchNorm2d(c), act()]
            c_in = c
        layers += [nn.Conv2d(c_in, cfg.dim, 3, 2, 1)]
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)


class HybridStem(nn.Module):
    """The ViT paper's hybrid design (Dosovitskiy et al. 2021, section 3.1): the patch tokens are the cells of a CNN's
    feature map. Here the CNN is an ImageNet-trained ResNet-18 cut after ``stem_stages`` stages (pretrained.py reads
    its weights from the NuGet package), frozen: trained on generated and composited photos only, its low-level
    features stay features of real photos. A 1x1 convolution (or a strided one when the ResNet's stride is below
    ``patch_size``) projects them to the transformer's width.

    The model's input stays ``pixel_values`` (RGB, normalized with mean 0.5 / std 0.5, as the manifest says); the stem
    turns it into what the ResNet was trained on (BGR on 0..255 minus the mean colour) inside the graph, so the app's
    preprocessing is unchanged."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        from pretrained import ResNetStages
        self.resnet = ResNetStages(cfg.stem_stages)
        for p in self.resnet.parameters():
            p.requires_grad_(False)
        self.resnet.eval()   # and stays so (train below): its batch-norm statistics stay ImageNet's
        stride = 2 ** (cfg.stem_stages + 1)
        assert cfg.patch_size % stride == 0, "patch_size must be a multiple of the ResNet's stride"
        k = cfg.patch_size // stride
        self.proj = nn.Conv2d(self.resnet.out_channels, cfg.dim, k, k)
        # B, G, R means on 0..255 (pretrained.bgr_mean); a buffer, so a checkpoint runs without the package
        self.register_buffer("bgr_mean", torch.zeros(3))

    def load_pretrained(self, path: str | None = None):
        import pretrained
        self.resnet.load_onnx(path)
        self.bgr_mean.copy_(torch.tensor(pretrained.bgr_mean()))

    def train(self, mode: bool = True):
        super().train(mode)
        self.resnet.eval()
        return self

    def to_resnet_input(self, pixel_values):
        rgb255 = (pixel_values * 0.5 + 0.5) * 255.0
        return rgb255.flip(1) - self.bgr_mean.view(1, 3, 1, 1)

    def forward(self, x):
        with torch.no_grad():   # frozen: no activations kept for a backward pass through it
            features = self.resnet(self.to_resnet_input(x))
        return self.proj(features)


class Attention(nn.Module):
    def __init__(self, dim: int, heads: int):
        super().__init__()
        self.heads = heads
        self.scale = (dim // heads) ** -0.5
        self.qkv = nn.Linear(dim, dim * 3)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        b, n, c = x.shape
        qkv = self.qkv(x).reshape(b, n, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        attn = torch.softmax((q * self.scale) @ k.transpose(-2, -1), dim=-1)
        out = (attn @ v).transpose(1, 2).reshape(b, n, c)
        return self.proj(out)


class Block(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.norm1 = nn.LayerNorm(cfg.dim, eps=1e-6)
        self.attn = Attention(cfg.dim, cfg.heads)
        self.norm2 = nn.LayerNorm(cfg.dim, eps=1e-6)
        hidden = int(cfg.dim * cfg.mlp_ratio)
        self.mlp = nn.Sequential(nn.Linear(cfg.dim, hidden), nn.GELU(), nn.Dropout(cfg.dropout),
                                 nn.Linear(hidden, cfg.dim))

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class Localizer(nn.Module):
    """The item's box on the photo: four 3x3 stride-2 convolutions over the photo shrunk to ``localizer_size``, then
    an MLP over the flattened map (position matters, so no global pooling) -> (x0, y0, x1, y1) in [0, 1]."""

    def __init__(self, cfg: ModelConfig, side: int | None = None):
        super().__init__()
        chans, layers, c_in = list(cfg.localizer_channels), [], 3
        for c in chans:
            layers += [nn.Conv2d(c_in, c, 3, 2, 1, bias=False), nn.BatchNorm2d(c), nn.GELU()]
            c_in = c
        self.net = nn.Sequential(*layers)
        side = side or cfg.localizer_size
        for _ in chans:
            side = (side + 1) // 2
        hidden = cfg.localizer_hidden
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(c_in * side * side, hidden), nn.GELU(), nn.Linear(hidden, 4))

    def forward(self, small):
        return ordered_corners(torch.sigmoid(self.head(self.net(small))))


class PretrainedLocalizer(nn.Module):
    """The item's box from an ImageNet-trained ResNet-18's first three stages (frozen; pretrained.py reads them from
    the NuGet package, as HybridStem does) under a small trained head: a 1x1 convolution, then Localizer's MLP over the
    flattened map. Why (candidate N, issue 17): thirteen localizers trained from scratch on generated items and 121
    train-side wallpapers read a far-away item on busy scenery they had not seen at about twice its area; features
    learned on a million real photos are the one lever none of them had. Input: the localizer's view (RGB normalized
    with mean 0.5 / std 0.5), turned into the ResNet's BGR minus its mean colour inside the graph."""

    head_channels = 32

    def __init__(self, cfg: ModelConfig, side: int):
        super().__init__()
        from pretrained import ResNetStages
        self.resnet = ResNetStages(3)
        for p in self.resnet.parameters():
            p.requires_grad_(False)
        self.register_buffer("bgr_mean", torch.zeros(3))   # pretrained.bgr_mean(); a buffer, so a checkpoint runs alone
        grid = side
        for _ in range(4):   # conv1, max pool, layer2, layer3 halve it (layer1 keeps it)
            grid = (grid + 1) // 2
        self.reduce = nn.Sequential(nn.Conv2d(self.resnet.out_channels, self.head_channels, 1, bias=False),
                                    nn.BatchNorm2d(self.head_channels), nn.GELU())
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(self.head_channels * grid * grid, cfg.localizer_hidden),
                                  nn.GELU(), nn.Linear(cfg.localizer_hidden, 4))

    def load_pretrained(self, path: str | None = None):
        import pretrained
        self.resnet.load_onnx(path)
        self.bgr_mean.copy_(torch.tensor(pretrained.bgr_mean()))

    def trainable_parameters(self):
        return [p for n, p in self.named_parameters() if not n.startswith("resnet.")]

    def train(self, mode: bool = True):
        super().train(mode)
        self.resnet.eval()   # its batch-norm statistics stay ImageNet's
        return self

    def forward(self, small):
        bgr = ((small * 0.5 + 0.5) * 255.0).flip(1) - self.bgr_mean.view(1, 3, 1, 1)
        with torch.no_grad():
            features = self.resnet(bgr)
        return ordered_corners(torch.sigmoid(self.head(self.reduce(features))))


def item_share(boxes):
    """The share of the photo each box [N, 4] (x0, y0, x1, y1 as fractions) covers, its corners clamped to the photo:
    the too-small rule's measure, as the app computes it (ItemSizeSettings.ShareOf)."""
    b = boxes.clamp(0, 1)
    return (b[:, 2] - b[:, 0]).clamp(min=0) * (b[:, 3] - b[:, 1]).clamp(min=0)


def ordered_corners(b):
    """Boxes [N, 4] whose two corners may come in either order -> (min x, min y, max x, max y)."""
    return torch.cat([torch.minimum(b[:, 0:2], b[:, 2:4]), torch.maximum(b[:, 0:2], b[:, 2:4])], dim=1)


def localizer_view(frames, cfg: ModelConfig, side: int | None = None):
    """What the localizer sees of whole-photo inputs [N, 3, F, F]: the photo average-pooled to localizer_size (or to
    ``side``: the size localizer's view)."""
    k = cfg.frame_size // (side or cfg.localizer_size)
    return F.avg_pool2d(frames, k) if k > 1 else frames


def expand_box(box, margin: float, min_size: float):
    """An item box (x0, y0, x1, y1 in [0, 1], [N, 4]) -> the crop: grown by ``margin`` x its size on each side, at
    least ``min_size`` wide and high, clipped to the photo. The same function makes training and inference crops."""
    c = (box[:, 0:2] + box[:, 2:4]) / 2
    size = torch.clamp((box[:, 2:4] - box[:, 0:2]) * (1 + 2 * margin), min=min_size)
    return torch.cat([torch.clamp(c - size / 2, 0.0, 1.0), torch.clamp(c + size / 2, 0.0, 1.0)], dim=1)


def _axis_samples(n: int, lo, hi):
    """Centres of n equal cells spanning [lo, hi] (per sample, [N, 1] each), as grid_sample coordinates [N, n]."""
    t = (torch.arange(n, dtype=torch.float32) + 0.5) / n
    return (lo + t * (hi - lo)) * 2 - 1


def crop_pixels(frames, crop, size: int):
    """Bilinear crop of ``frames`` [N, C, H, W] to the boxes ``crop`` (normalized x0, y0, x1, y1) at size x size.
    (No antialiasing: a crop is at most ~1.7x smaller than the frame it comes from.)"""
    n = frames.shape[0]
    gx = _axis_samples(size, crop[:, 0:1], crop[:, 2:3])          # [N, size]
    gy = _axis_samples(size, crop[:, 1:2], crop[:, 3:4])
    grid = torch.stack([gx[:, None, :].expand(n, size, size), gy[:, :, None].expand(n, size, size)], dim=-1)
    return F.grid_sample(frames, grid, mode="bilinear", padding_mode="border", align_corners=False)


OUTSIDE_CROP_LOGIT = -20.0


def _bilinear_weights(t, n: int):
    """Bilinear interpolation as a matrix: positions ``t`` [N, G] in a source axis's [0, 1] coordinates (cell centres
    at (i + 0.5) / n, as grid_sample with align_corners=False; clamped to the border) -> weights [N, G, n]."""
    pos = torch.clamp(t * n - 0.5, 0.0, float(n - 1))
    i0 = torch.floor(pos)
    frac = pos - i0
    i1 = torch.clamp(i0 + 1, max=float(n - 1))
    idx = torch.arange(n, dtype=torch.float32).view(1, 1, n)
    return ((idx == i0.unsqueeze(-1)).float() * (1 - frac).unsqueeze(-1)
            + (idx == i1.unsqueeze(-1)).float() * frac.unsqueeze(-1))


def crop_map_to_frame(crop_logits, crop, crop_grid: int, frame_grid: int):
    """Damage logits over the crop ([N, g*g, k], row-major) -> over the whole photo ([N, G*G, k]): each photo cell
    takes the crop map's bilinear value at its centre; cells whose centre lies outside the crop get
    OUTSIDE_CROP_LOGIT (probability 2e-9).
    The bilinear step is two matrix products with explicit weights rather than GridSample: the logits change by up to
    ~20 from one cell to the next, and GridSample's own coordinate arithmetic differs between PyTorch and ONNX Runtime
    in the last bit, which moved logits by 2e-4 (over the golden test's 1e-4)."""
    n, _, k = crop_logits.shape
    g, G = crop_grid, frame_grid
    maps = crop_logits.transpose(1, 2).reshape(n, k, g, g)
    u = (torch.arange(G, dtype=torch.float32) + 0.5) / G           # photo cell centres in [0, 1]
    tx = (u[None, :] - crop[:, 0:1]) / (crop[:, 2:3] - crop[:, 0:1])   # [N, G], 0..1 inside the crop
    ty = (u[None, :] - crop[:, 1:2]) / (crop[:, 3:4] - crop[:, 1:2])
    wy = _bilinear_weights(ty, g).unsqueeze(1)                      # [N, 1, G, g]
    wx = _bilinear_weights(tx, g).unsqueeze(1)
    out = torch.matmul(torch.matmul(wy, maps), wx.transpose(2, 3))  # [N, k, G, G]
    inside = ((tx >= 0) & (tx <= 1))[:, None, None, :] & ((ty >= 0) & (ty <= 1))[:, None, :, None]
    out = torch.where(inside, out, torch.full_like(out, OUTSIDE_CROP_LOGIT))
    return out.reshape(n, k, G * G).transpose(1, 2)


class GraderViT(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        g = cfg.token_grid
        self.stem = HybridStem(cfg) if cfg.stem == "resnet18" else ConvStem(cfg)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, cfg.dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, g * g + 1, cfg.dim))
        self.blocks = nn.ModuleList([Block(cfg) for _ in range(cfg.depth)])
        self.norm = nn.LayerNorm(cfg.dim, eps=1e-6)
        self.grade_head = nn.Linear(cfg.dim, cfg.num_grades)
        self.damage_norm = nn.LayerNorm(cfg.dim, eps=1e-6)
        s = cfg.damage_subdiv
        self.damage_head = nn.Linear(cfg.dim, cfg.num_damage * s * s)
        if cfg.count_head:
            self.count_head = nn.Linear(cfg.dim, cfg.num_damage * COUNT_CLASSES)
        if cfg.grade_readout:
            n_in = 2 * cfg.num_damage + (cfg.num_damage * COUNT_CLASSES if cfg.count_head else 0)
            self.grade_readout = nn.Sequential(nn.Linear(n_in, 64), nn.GELU(),
                                               nn.Linear(64, cfg.num_grades))
        if cfg.crop_to_item:
            assert cfg.frame_size % cfg.localizer_size == 0, "frame_size must be a multiple of localizer_size"
            self.localizer = Localizer(cfg)
            if cfg.size_localizer:
                assert cfg.frame_size % cfg.size_view_size == 0, "frame_size must be a multiple of size_localizer_size"
                self.size_localizer = (PretrainedLocalizer(cfg, cfg.size_view_size)
                                       if cfg.size_localizer_stem == "resnet18" else Localizer(cfg, cfg.size_view_size))
        if cfg.familiarity:
            # the training photos' feature mean and whitening matrix (familiarity.fit): part of the state dict, so
            # of model.pt and the ONNX graph; identity until fitted
            self.register_buffer("familiarity_mean", torch.zeros(self.feature_dim))
            self.register_buffer("familiarity_whiten", torch.eye(self.feature_dim))
        self._features = None
        self._item_box = None
        self._localizer_view = None
        self._size_view = None
        self._frames = None
        nn.init.trunc_normal_(self.pos_embed, std=0.02)
        nn.init.trunc_normal_(self.cls_token, std=0.02)
        self.apply(self._init)
        # damage is rare: start the damage head at a low prior probability (~1%)
        nn.init.constant_(self.damage_head.bias, -4.6)
        if cfg.grade_readout and not cfg.count_head:
            nn.init.zeros_(self.grade_readout[2].weight)
            nn.init.zeros_(self.grade_readout[2].bias)

    @staticmethod
    def _init(m):
        if isinstance(m, nn.Linear):
            nn.init.trunc_normal_(m.weight, std=0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.LayerNorm):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)

    def load_pretrained_stem(self, path: str | None = None):
        """A hybrid model's ResNet stages from the NuGet package (a fresh model; a checkpoint already holds them)."""
        if not isinstance(self.stem, HybridStem):
            raise ValueError("only a model with stem 'resnet18' has a pretrained stem")
        self.stem.load_pretrained(path)

    def locate(self, frames):
        """The item box (x0, y0, x1, y1 in [0, 1]) the localizer sees on whole-photo inputs [N, 3, F, F]."""
        return self.localizer(localizer_view(frames, self.cfg))

    def crop_box(self, frames):
        """The crop the graph makes of whole-photo inputs: the located item box, expanded (expand_box), snapped to
        whole input pixels. Snapped because the localizer's box differs between runtimes in its last bits, and a crop
        moved by 1e-5 px moved damage logits by 2e-4 (measured against ONNX Runtime); snapped, both runtimes crop at
        the same place (training crops are jittered by ~4 % of the box, so half a pixel changes nothing)."""
        return self.crop_of(self.locate(frames))

    def crop_of(self, item_box):
        """crop_box's crop for an item box the localizer gave."""
        crop = expand_box(item_box, self.cfg.crop_margin, self.cfg.crop_min_size)
        size = float(self.cfg.frame_size)
        return torch.round(crop * size) / size

    def item_box(self):
        """The localizer's item box of the last forward pass [N, 4] (x0, y0, x1, y1 in [0, 1] of the photo), for the
        exported item_box output (issue 17's too-small-item warning); None for a model that does not crop. A model
        with a size localizer answers with its box instead (the crop's box is left as it was)."""
        if self.cfg.size_localizer:
            box = self.size_localizer(self._size_view)
            return self.second_look(box) if self.cfg.size_second_look > 0 else box
        return self._item_box

    def second_look(self, box):
        """The size localizer again, on the last input cropped around its first ``box`` (grown by size_second_look
        of its size on each side, at least crop_min_size, clipped to the photo) at the size localizer's view; its box
        mapped back to the photo. Why (candidate P): a far-away item covers ~20 px of the 160 px view, and every
        localizer boxed it at ~2x its area on busy scenes; in the crop it covers several times that. A first box that
        (grown) covers the whole photo gives the same view again, so a photo whose item fills it is looked at twice
        alike. Resampled at frame_size and average-pooled as localizer_view does, so that view is the same (to float
        rounding in grid_sample's coordinates)."""
        crop = expand_box(box, self.cfg.size_second_look, self.cfg.crop_min_size)
        view = localizer_view(crop_pixels(self._frames, crop, self.cfg.frame_size), self.cfg, self.cfg.size_view_size)
        inner = self.size_localizer(view)
        origin, size = crop[:, 0:2], crop[:, 2:4] - crop[:, 0:2]
        return torch.cat([origin + inner[:, 0:2] * size, origin + inner[:, 2:4] * size], dim=1)

    @property
    def feature_dim(self) -> int:
        """The photo's feature vector: the final class token and the mean patch token, both normalized."""
        return 2 * self.cfg.dim

    def features(self):
        """The features of the last eval-mode forward pass [N, feature_dim] (mirror-averaged like the outputs)."""
        return self._features

    def familiarity_score(self, features):
        """-mean((W (f - mean))^2): about -1 for a photo like the training photos, far below for one unlike them
        (a Mahalanobis distance under a shrunk covariance, divided by the feature count and negated)."""
        z = (features - self.familiarity_mean) @ self.familiarity_whiten
        return -(z * z).mean(dim=1)

    def forward(self, pixel_values, return_counts: bool = False, return_familiarity: bool = False):
        """The model as exported: whole photo in, grade logits and damage logits over the whole photo out (and, for a
        model with cfg.familiarity, its familiarity score per photo as the third output)."""
        if not self.cfg.crop_to_item:
            out = self.forward_crop(pixel_values, return_counts)
        else:
            self._localizer_view = localizer_view(pixel_values, self.cfg)
            self._size_view = (localizer_view(pixel_values, self.cfg, self.cfg.size_view_size)
                               if self.cfg.size_view_size != self.cfg.localizer_size else self._localizer_view)
            self._item_box = self.localizer(self._localizer_view)
            self._frames = pixel_values if self.cfg.size_second_look > 0 else None
            crop = self.crop_of(self._item_box)
            out = self.forward_crop(crop_pixels(pixel_values, crop, self.cfg.image_size), return_counts)
            damage = crop_map_to_frame(out[1], crop, self.cfg.damage_grid, self.cfg.frame_grid)
            out = (out[0], damage) + tuple(out[2:])
        if return_familiarity:
            if not self.cfg.familiarity or self.training:
                raise ValueError("familiarity needs a model with cfg.familiarity, in eval mode")
            out = tuple(out) + (self.familiarity_score(self._features),)
        return out

    def forward_crop(self, pixel_values, return_counts: bool = False, token_grid: int | None = None):
        """The ViT on its own view (the crop when cropping; the whole photo otherwise). In eval mode with ``test_time_hflip``: the image and its mirror image go through the network as one batch,
        the mirror's damage map is flipped back, and the two grade and damage logits are averaged. Measured on 1 533
        held-out photos with 2.3.0's weights: grade accuracy 0.780 -> 0.807, region recall 0.711 -> 0.742, precision
        0.458 -> 0.565, for twice the inference work. Part of the exported ONNX graph, so the app does nothing."""
        if self.cfg.test_time_hflip and not self.training:
            g, k, ng = self.cfg.damage_grid, self.cfg.num_damage, self.cfg.num_grades
            if self.cfg.hflip_at == "features":
                tokens = self.stem(pixel_values)
                out = self._forward(None, return_counts, tokens=torch.cat([tokens, tokens.flip(3)], 0))
            else:
                out = self._forward(torch.cat([pixel_values, pixel_values.flip(3)], 0), return_counts)
            # [2N, ...] -> [2, N, ...]: constant indices keep every size but the batch static in the ONNX graph
            grade = out[0].reshape(2, -1, ng)
            damage = out[1].reshape(2, -1, g, g, k)
            averaged = ((grade[0] + grade[1]) / 2,
                        ((damage[0] + damage[1].flip(2)) / 2).reshape(-1, g * g, k))
            self._features = self._features.reshape(2, -1, self.feature_dim).mean(0)
            if return_counts:
                counts = None if out[2] is None else out[2].reshape(2, -1, k, out[2].shape[-1]).mean(0)
                return averaged + (counts,)
            return averaged
        return self._forward(pixel_values, return_counts, token_grid)

    def pos_embed_for(self, grid: int):
        """Position embeddings for a view of grid x grid tokens other than the configured one: the patch embeddings
        resampled bilinearly (the class token's kept). Used only while training at a lower resolution first
        (train.py --low-res-size); the exported graph runs at the configured size and never takes this path."""
        g, d = self.cfg.token_grid, self.cfg.dim
        patches = self.pos_embed[:, 1:].reshape(1, g, g, d).permute(0, 3, 1, 2)
        patches = F.interpolate(patches, size=(grid, grid), mode="bilinear", align_corners=False, antialias=True)
        return torch.cat([self.pos_embed[:, :1], patches.permute(0, 2, 3, 1).reshape(1, grid * grid, d)], dim=1)

    def _forward(self, pixel_values, return_counts: bool = False, token_grid: int | None = None, tokens=None):
        """token_grid: the view's grid of tokens when it is not the configured one (training at a lower resolution
        first); a Python int, so that the exported graph's sizes stay static. tokens: the stem's output, when the
        caller ran the stem itself (mirroring at the features)."""
        cfg = self.cfg
        g = token_grid or cfg.token_grid
        x = self.stem(pixel_values) if tokens is None else tokens   # [N, D, g, g]
        n = x.shape[0]
        x = x.flatten(2).transpose(1, 2)                # [N, g*g, D]
        cls = self.cls_token.expand(n, -1, -1)
        x = torch.cat([cls, x], dim=1) + (self.pos_embed if g == cfg.token_grid else self.pos_embed_for(g))
        for blk in self.blocks:
            x = blk(x)
        x = self.norm(x)
        grade_logits = self.grade_head(x[:, 0])
        patches = self.damage_norm(x[:, 1:])            # [N, g*g, D]
        # kept for familiarity only in eval mode (in training it would hold on to the autograd graph)
        self._features = None if self.training else torch.cat([x[:, 0], patches.mean(dim=1)], dim=1)
        s, k = cfg.damage_subdiv, cfg.num_damage
        d = self.damage_head(patches)                   # [N, g*g, k*s*s], layout (k, sy, sx)
        d = d.reshape(n, g, g, k, s, s).permute(0, 1, 4, 2, 5, 3)   # [N, g, sy, g, sx, k]
        damage_logits = d.reshape(n, g * s * g * s, k)  # row-major over the (g*s) x (g*s) grid
        count_logits = None
        if cfg.count_head:
            count_logits = self.count_head(x[:, 0]).reshape(n, k, COUNT_CLASSES)
        if self.cfg.grade_readout:
            p = torch.sigmoid(damage_logits)
            feats = [p.max(dim=1).values, p.mean(dim=1) * 10.0]                      # [N, 2k]
            if count_logits is not None:
                feats.append(torch.softmax(count_logits, dim=-1).reshape(n, k * COUNT_CLASSES))
            grade_logits = grade_logits + self.grade_readout(torch.cat(feats, dim=1))
        if return_counts:
            return grade_logits, damage_logits, count_logits
        return grade_logits, damage_logits


def count_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
