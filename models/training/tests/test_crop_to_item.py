"""Crop to the item (ModelConfig.crop_to_item): the geometry of the crop and of the damage map's way back onto the
whole photo, the training crops' targets, the localizer's augmentation, training steps, export and the train.py run
on a package without item boxes (an export from the app)."""
import subprocess
import sys

import numpy as np
import onnx
import pytest
import torch

from conftest import export_without_item_boxes
from dataset import (augment_frames, zoom_in_frames, zoom_out_frames, damage_target, jitter_box, load_crop_split, normalized_item_box,
                     preprocess_image, to_tensor)
from model import (OUTSIDE_CROP_LOGIT, GraderViT, ModelConfig, crop_map_to_frame, crop_pixels, expand_box,
                   localizer_view)
from package import open_package
from train import HERE, localizer_loss, losses


def tiny_crop_cfg(**kw) -> ModelConfig:
    return ModelConfig(image_size=64, patch_size=16, dim=48, depth=2, heads=2, stem_channels=[8, 16, 32],
                       damage_subdiv=2, count_head=True, crop_to_item=True, frame_size=96, frame_grid=24,
                       localizer_size=48, **kw)


def test_expand_box_adds_the_margin_keeps_a_minimum_size_and_stays_on_the_photo():
    box = torch.tensor([[0.2, 0.3, 0.6, 0.6], [0.45, 0.45, 0.5, 0.5], [0.0, 0.8, 0.4, 1.0]])
    crop = expand_box(box, margin=0.1, min_size=0.25)
    assert torch.allclose(crop[0], torch.tensor([0.16, 0.27, 0.64, 0.63]), atol=1e-6)
    assert torch.allclose(crop[1], torch.tensor([0.35, 0.35, 0.6, 0.6]), atol=1e-6)    # grown to the minimum
    assert torch.allclose(crop[2], torch.tensor([0.0, 0.775, 0.44, 1.0]), atol=1e-6)   # clipped at the photo's edges


def test_cropping_the_whole_photo_at_its_own_size_changes_nothing():
    x = torch.randn(2, 3, 40, 40)
    out = crop_pixels(x, torch.tensor([[0.0, 0.0, 1.0, 1.0]] * 2), 40)
    assert torch.allclose(out, x, atol=1e-5)


def test_a_crop_takes_the_pixels_of_its_box():
    x = torch.arange(40 * 40, dtype=torch.float32).view(1, 1, 40, 40)
    out = crop_pixels(x, torch.tensor([[0.25, 0.5, 0.75, 1.0]]), 20)   # columns 10..29, rows 20..39 at scale 1
    assert torch.allclose(out[0, 0], x[0, 0, 20:40, 10:30], atol=1e-4)


def test_the_crop_damage_map_lands_where_the_crop_is_on_the_photo():
    g, G = 8, 16
    crop = torch.tensor([[0.25, 0.5, 0.75, 1.0]])                       # photo cells cols 4..11, rows 8..15
    logits = torch.full((1, g * g, 6), -5.0)
    logits[0, 3 * g + 5, 2] = 5.0                                        # crop cell row 3, col 5, type dent
    frame = crop_map_to_frame(logits, crop, g, G).view(G, G, 6)
    assert torch.all(frame[:8, :, :] == OUTSIDE_CROP_LOGIT)            # rows above the crop
    assert torch.all(frame[:, :4, :] == OUTSIDE_CROP_LOGIT) and torch.all(frame[:, 12:, :] == OUTSIDE_CROP_LOGIT)
    inside = frame[8:16, 4:12, 2]
    assert inside.argmax().item() == 3 * 8 + 5 and inside.max().item() == 5.0   # same cell: the grids align 1:1
    assert torch.all(frame[8:16, 4:12, 0] == -5.0)


def test_the_whole_photo_crop_maps_back_unchanged():
    g = 12
    logits = torch.randn(2, g * g, 6)
    crop = torch.tensor([[0.0, 0.0, 1.0, 1.0]] * 2)
    assert torch.allclose(crop_map_to_frame(logits, crop, g, g), logits, atol=1e-5)


def test_a_crops_damage_target_covers_exactly_the_crops_area():
    """A stain box on a 400 x 400 photo: the target over the crop (200..400 both ways) is the target of the cropped
    photo."""
    ann = {"type": 1, "bbox": [220, 250, 60, 40]}
    target = damage_target([ann], 400, 400, 10, box=(200.0, 200.0, 400.0, 400.0)).reshape(10, 10, 6)
    direct = damage_target([{"type": 1, "bbox": [20, 50, 60, 40]}], 200, 200, 10).reshape(10, 10, 6)
    assert target[..., 1].sum() > 0 and np.array_equal(target, direct)


def test_crop_views_are_the_graphs_crops_of_each_photo(tiny_package):
    cfg = tiny_crop_cfg()
    d = load_crop_split(tiny_package, "train", cfg, variants=2, jitter=0.0, verbose=False)
    samples = open_package(tiny_package).samples("train")
    n = len(samples)
    assert d["pixels"].shape == (n, 2, 64, 64, 3) and d["damage"].shape == (n, 2, 8 * 8, 6)
    assert d["small"].shape == (n, 48, 48, 3) and not np.isnan(d["item_box"]).any()
    pkg = open_package(tiny_package)
    frames = to_tensor(np.stack([preprocess_image(pkg.read_image(s["file_name"]), 96) for s in samples[:3]]))
    boxes = torch.from_numpy(np.stack([normalized_item_box(s) for s in samples[:3]]))
    crops = crop_pixels(frames, expand_box(boxes, cfg.crop_margin, cfg.crop_min_size), 64)
    assert np.abs(to_tensor(d["pixels"][:3, 0]).numpy() - crops.numpy()).max() <= 1.01 / 127.5   # uint8 rounding
    assert np.array_equal(d["pixels"][:, 0], d["pixels"][:, 1])        # no jitter: both variants alike
    for dm, meta in zip(d["damage"][:, 0], d["meta"]):
        assert bool(dm.any()) == bool(meta["boxes"])                   # the item box holds all of its damage


def test_localizer_augmentation_moves_the_box_with_the_photo():
    gen = torch.Generator().manual_seed(0)
    for _ in range(10):
        x = -torch.ones(8, 3, 40, 40)
        x[:, :, 8:36, 4:20] = 1.0                                          # the "item": x 0.1-0.5, y 0.2-0.9
        box = torch.tensor([[0.1, 0.2, 0.5, 0.9]]).repeat(8, 1)
        xa, ba = augment_frames(x, box, gen)
        for i in range(8):
            ys, xs = torch.nonzero(xa[i, 0] > 0.5, as_tuple=True)
            seen = torch.tensor([xs.min() / 40, ys.min() / 40, (xs.max() + 1) / 40, (ys.max() + 1) / 40])
            assert torch.allclose(seen, ba[i], atol=1e-6)


def test_zooming_out_shrinks_the_item_onto_a_canvas_and_moves_its_box_to_match():
    gen = torch.Generator().manual_seed(2)
    x = -torch.ones(40, 3, 80, 80)
    x[:, :, 16:72, 8:40] = 1.0                                         # the "item": x 0.1-0.5, y 0.2-0.9
    box = torch.tensor([[0.1, 0.2, 0.5, 0.9]]).repeat(40, 1)
    backgrounds = torch.full((2, 3, 160, 160), -0.5)                   # a scene the item can be told apart from
    xz, bz = zoom_out_frames(x, box, gen, share=0.5, max_zoom=4.0, backgrounds=backgrounds)
    zoomed = [i for i in range(40) if not torch.equal(xz[i], x[i])]
    assert 10 <= len(zoomed) <= 30                                     # about the share asked for
    on_scene = [i for i in zoomed if bool((xz[i, 0] == -0.5).any())]
    assert 0 < len(on_scene) < len(zoomed)                             # some on a scene, some on the border colour
    for i in range(40):
        ys, xs = torch.nonzero(xz[i, 0] > 0.5, as_tuple=True)
        seen = torch.tensor([xs.min() / 80, ys.min() / 80, (xs.max() + 1) / 80, (ys.max() + 1) / 80])
        assert torch.allclose(seen, bz[i], atol=1.5 / 80)                # area filter: a pixel at the edge may blend
        if i in zoomed:
            share = (bz[i, 2] - bz[i, 0]) * (bz[i, 3] - bz[i, 1])
            assert share < 0.28 and share >= 0.28 / 16 - 1e-3           # 1 < k <= 4
        else:
            assert torch.equal(bz[i], box[i])


def test_clutter_lies_on_scene_canvases_around_the_photo_and_the_box_stays_on_the_item():
    gen = torch.Generator().manual_seed(3)
    x = -torch.ones(60, 3, 80, 80)
    x[:, :, 16:72, 8:40] = 1.0                                         # the "item": x 0.1-0.5, y 0.2-0.9
    box = torch.tensor([[0.1, 0.2, 0.5, 0.9]]).repeat(60, 1)
    backgrounds = torch.full((2, 3, 160, 160), -0.5)
    clutter = [torch.cat([torch.full((3, 20, 30), 0.25), torch.ones(1, 20, 30)])]   # an opaque object, value 0.25
    xz, bz = zoom_out_frames(x, box, gen, share=1.0, max_zoom=4.0, backgrounds=backgrounds, exact_zoom=True,
                             clutter=clutter, max_clutter=4)
    with_clutter = 0
    for i in range(60):
        on_scene = bool((xz[i, 0] == -0.5).any())
        has_clutter = bool((xz[i, 0] == 0.25).any())
        assert on_scene or not has_clutter                             # never on a border-colour canvas
        with_clutter += has_clutter
        if on_scene:                                                   # the shrunk photo's own background, whole
            ys, xs = torch.nonzero(xz[i, 0] == -1.0, as_tuple=True)
            assert (xs.max() + 1 - xs.min(), ys.max() + 1 - ys.min()) == (20, 20)
        ys, xs = torch.nonzero(xz[i, 0] > 0.5, as_tuple=True)          # the item: not covered, its box moved with it
        seen = torch.tensor([xs.min() / 80, ys.min() / 80, (xs.max() + 1) / 80, (ys.max() + 1) / 80])
        assert torch.allclose(seen, bz[i], atol=1.5 / 80)
    assert 20 <= with_clutter < 60                                     # 0-4 objects on the scene two thirds of the time


def test_a_close_up_enlarges_part_of_the_item_and_cuts_its_box_to_the_window():
    gen = torch.Generator().manual_seed(4)
    x = -torch.ones(30, 3, 80, 80)
    x[:, :, 16:72, 8:40] = 1.0                                         # the "item": x 0.1-0.5, y 0.2-0.9
    box = torch.tensor([[0.1, 0.2, 0.5, 0.9]]).repeat(30, 1)
    xc, bc = zoom_in_frames(x, box, gen, share=1.0, max_zoom=3.0)
    for i in range(30):
        ys, xs = torch.nonzero(xc[i, 0] > 0, as_tuple=True)
        seen = torch.tensor([xs.min() / 80, ys.min() / 80, (xs.max() + 1) / 80, (ys.max() + 1) / 80])
        assert torch.allclose(seen, bc[i], atol=2.5 / 80)                # bilinear enlargement blurs an edge pixel
        assert bc[i].min() >= 0 and bc[i].max() <= 1
    shares = (bc[:, 2] - bc[:, 0]) * (bc[:, 3] - bc[:, 1])
    assert shares.mean() > 0.28                                        # closer: the item fills more of the frame
    assert (bc == 1.0).any(dim=1).sum() > 0                            # and overflows it in some


def test_an_inset_close_up_shows_only_the_item_so_the_item_overflows_the_frame():
    from localizer_zoom import inset_close_ups
    x = -torch.ones(2, 3, 80, 80)
    x[:, :, 16:72, 8:40] = 1.0                                         # the "item": x 0.1-0.5, y 0.2-0.9
    x[1, :, 40:44, 20:24] = -1.0                                       # a small dark mark on the second item
    box = torch.tensor([[0.1, 0.2, 0.5, 0.9]]).repeat(2, 1)
    close = inset_close_ups(x, box, inset=0.15)
    assert close.shape == x.shape
    assert bool((close[0] == 1.0).all())                               # nothing but the item, edge to edge
    assert float((close[1] < 0).float().mean()) > 0.01                 # the mark, enlarged, is still there


def test_an_exact_zoom_shrinks_every_photo_by_that_much():
    gen = torch.Generator().manual_seed(3)
    x = -torch.ones(6, 3, 80, 80)
    x[:, :, 16:72, 8:40] = 1.0
    box = torch.tensor([[0.1, 0.2, 0.5, 0.9]]).repeat(6, 1)
    _, bz = zoom_out_frames(x, box, gen, share=1.0, max_zoom=4.0, exact_zoom=True)
    sides = torch.stack([bz[:, 2] - bz[:, 0], bz[:, 3] - bz[:, 1]], 1)
    assert torch.allclose(sides, torch.tensor([[0.1, 0.175]]).repeat(6, 1), atol=1e-6)


def test_jittered_boxes_stay_ordered_and_on_the_photo():
    gen = torch.Generator().manual_seed(1)
    b = jitter_box(torch.tensor([[0.0, 0.1, 0.3, 1.0]]).repeat(500, 1), gen, sigma=0.3)
    assert torch.all(b[:, 0] <= b[:, 2]) and torch.all(b[:, 1] <= b[:, 3])
    assert b.min() >= 0 and b.max() <= 1


def test_the_whole_model_takes_photos_and_answers_over_the_whole_photo():
    cfg = tiny_crop_cfg(test_time_hflip=True)
    m = GraderViT(cfg).eval()
    with torch.no_grad():
        g, d = m(torch.randn(3, 3, 96, 96))
    assert cfg.input_size == 96 and cfg.output_grid == 24
    assert g.shape == (3, 5) and d.shape == (3, 24 * 24, 6)


def test_a_few_crop_training_steps_lower_the_loss(tiny_package):
    torch.manual_seed(0)
    cfg = tiny_crop_cfg()
    d = load_crop_split(tiny_package, "train", cfg, variants=1, verbose=False)
    xc = to_tensor(d["pixels"][:16, 0])
    dm = torch.from_numpy(d["damage"][:16, 0])
    small, boxes = to_tensor(d["small"][:16]), torch.from_numpy(d["item_box"][:16])
    y = torch.from_numpy(d["grade"][:16])
    model = GraderViT(cfg)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    gen = torch.Generator().manual_seed(0)
    first = None
    for _ in range(25):
        loss, _, _ = losses(model, xc, y, dm, 3.0, 1.0)
        loss = loss + 5 * localizer_loss(model, small, boxes, gen)
        first = first if first is not None else loss.item()
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        final, _, _ = losses(model, xc, y, dm, 3.0, 1.0)
        final = final + 5 * localizer_loss(model, small, boxes, gen)
    assert final.item() < 0.7 * first


def test_export_keeps_the_contract_with_the_crop_inside_the_graph(tmp_path):
    from export import check_onnx, export_onnx
    cfg = tiny_crop_cfg(test_time_hflip=True)
    model = GraderViT(cfg).eval()
    path = str(tmp_path / "m.onnx")
    export_onnx(model, path)
    info = check_onnx(path, cfg)
    assert info["inputs"]["pixel_values"] == ["batch", 3, 96, 96]
    assert info["outputs"]["damage_logits"] == ["batch", 24 * 24, 6]
    assert "GridSample" in {n.op_type for n in onnx.load(path).graph.node}


def test_a_crop_model_with_an_item_size_rule_exports_the_localizers_box_as_an_output(tmp_path):
    from export import ITEM_BOX_OUTPUT, check_onnx, export_onnx, golden, manifest
    cfg = tiny_crop_cfg(test_time_hflip=True)
    model = GraderViT(cfg).eval()
    path = str(tmp_path / "m.onnx")
    export_onnx(model, path, item_box=True)
    assert not model.training                                          # the exporter leaves the model as it found it
    info = check_onnx(path, cfg, item_box=True)
    assert list(info["outputs"]) == ["grade_logits", "damage_logits", ITEM_BOX_OUTPUT]
    assert info["outputs"][ITEM_BOX_OUTPUT] == ["batch", 4]
    # the output is the box the crop was made from: the localizer's on the same photos
    x = torch.randn(3, 3, 96, 96)
    with torch.no_grad():
        model(x)
        assert torch.equal(model.item_box(), model.locate(x))
    cal = {"temperature": 1.0, "thresholds": [0.5] * 6, "min_cells": [1] * 6,
           "item_size": {"too_small_below": 0.03, "rule": "r", "fitted_on": "f"}}
    gold = golden(model, cal, None)
    assert all(len(c["item_box"]) == 4 for c in gold["cases"])
    pt = str(tmp_path / "m.pt")
    torch.save({"config": cfg.to_dict(), "state_dict": model.state_dict()}, pt)
    man = manifest("m", "1.0.0", cfg, cal, {}, {}, path, pt)
    assert man["item_size"] == {"too_small_below": 0.03, "rule": "r", "fitted_on": "f", "output": ITEM_BOX_OUTPUT}
    assert [o["name"] for o in man["outputs"]][-1] == ITEM_BOX_OUTPUT


def test_a_size_localizer_answers_the_item_box_and_changes_no_other_output():
    torch.manual_seed(0)
    cfg = tiny_crop_cfg(test_time_hflip=True)
    plain = GraderViT(cfg).eval()
    sized = GraderViT(ModelConfig.from_dict(dict(cfg.to_dict(), size_localizer=True))).eval()
    state = plain.state_dict()
    other = GraderViT(cfg).localizer.state_dict()                     # a different localizer for the size
    state.update({f"size_localizer.{k}": v for k, v in other.items()})
    sized.load_state_dict(state)
    x = torch.randn(3, 3, 96, 96)
    with torch.no_grad():
        g0, d0 = plain(x)
        g1, d1 = sized(x)
        assert torch.equal(g0, g1) and torch.equal(d0, d1)           # the crop is the first localizer's
        assert torch.allclose(sized.item_box(), sized.size_localizer(localizer_view(x, cfg)))
        assert not torch.allclose(sized.item_box(), plain.item_box())


def test_a_size_localizer_with_its_own_view_sees_the_photo_at_that_size():
    torch.manual_seed(0)
    cfg = tiny_crop_cfg()
    plain = GraderViT(cfg).eval()
    sized = GraderViT(ModelConfig.from_dict(dict(cfg.to_dict(), size_localizer=True, size_localizer_size=96))).eval()
    state = plain.state_dict()
    state.update({f"size_localizer.{k}": v for k, v in sized.size_localizer.state_dict().items()})
    sized.load_state_dict(state)
    assert sized.size_localizer.head[1].in_features == 4 * plain.localizer.head[1].in_features   # twice the side
    x = torch.randn(2, 3, 96, 96)
    with torch.no_grad():
        g0, d0 = plain(x)
        g1, d1 = sized(x)
        assert torch.equal(g0, g1) and torch.equal(d0, d1)
        assert torch.allclose(sized.item_box(), sized.size_localizer(x))          # the whole input, not the 48 px view
    with pytest.raises(AssertionError, match="multiple of size_localizer_size"):
        GraderViT(ModelConfig.from_dict(dict(cfg.to_dict(), size_localizer=True, size_localizer_size=40)))


class _BoxesInTurn(torch.nn.Module):
    """A size localizer that answers the given boxes in turn and keeps the views it was shown: the second look's
    geometry, apart from what a trained localizer would answer."""

    def __init__(self, *boxes):
        super().__init__()
        self.boxes, self.views = list(boxes), []

    def forward(self, view):
        self.views.append(view.clone())
        return torch.tensor([self.boxes[len(self.views) - 1]]).expand(view.shape[0], 4)


def _looked_twice(first_box, second_box, x):
    """A model with a second look whose size localizer answers first_box, then second_box: (model, item_box for x)."""
    sized = GraderViT(tiny_crop_cfg(size_localizer=True, size_second_look=0.5)).eval()
    sized.size_localizer = _BoxesInTurn(first_box, second_box)
    with torch.no_grad():
        sized(x)
        return sized, sized.item_box()


def test_a_second_look_crops_around_the_first_box_and_maps_its_box_back_to_the_photo():
    torch.manual_seed(0)
    x = torch.randn(2, 3, 96, 96)
    sized, box = _looked_twice([0.40, 0.40, 0.50, 0.50], [0.20, 0.40, 0.60, 0.80], x)
    # the first box grown by half its size on each side is 0.2 wide, under crop_min_size (0.25): 0.325-0.575
    crop = torch.tensor([[0.325, 0.325, 0.575, 0.575]]).expand(2, 4)
    assert torch.equal(sized.size_localizer.views[1], localizer_view(crop_pixels(x, crop, 96), sized.cfg))
    assert torch.allclose(box, torch.tensor([[0.375, 0.425, 0.475, 0.525]]).expand(2, 4))


def test_a_second_look_at_an_item_that_fills_the_photo_sees_the_same_view_and_answers_the_same_box():
    sized, box = _looked_twice([0.10, 0.20, 0.90, 0.80], [0.10, 0.20, 0.90, 0.80], torch.randn(1, 3, 96, 96))
    first, second = sized.size_localizer.views
    assert torch.allclose(first, second, atol=1e-5)   # grown, the box covers the photo: the crop is the photo itself
    assert torch.allclose(box, torch.tensor([[0.10, 0.20, 0.90, 0.80]]))


def test_only_a_crop_model_can_export_an_item_box():
    from export import export_onnx
    with pytest.raises(ValueError, match="only a crop-to-item model"):
        export_onnx(GraderViT(ModelConfig(image_size=64, patch_size=16, dim=32, depth=1, heads=2)), "unused.onnx",
                    item_box=True)


def test_photos_without_item_boxes_are_cropped_by_the_localizer_or_whole(tmp_path):
    pkg = export_without_item_boxes(tmp_path / "export", 12)
    cfg = tiny_crop_cfg()
    whole = load_crop_split(pkg, "train", cfg, variants=1, jitter=0.0, verbose=False)
    assert np.isnan(whole["item_box"]).all()                           # nothing for the localizer to learn from
    frames = to_tensor(np.stack([preprocess_image(open_package(pkg).read_image(m["file_name"]), 96)
                                 for m in whole["meta"]]))
    expected = crop_pixels(frames, expand_box(torch.tensor([[0.0, 0.0, 1.0, 1.0]] * len(frames)), cfg.crop_margin,
                                              cfg.crop_min_size), 64)
    assert np.abs(to_tensor(whole["pixels"][:, 0]).numpy() - expected.numpy()).max() <= 1.01 / 127.5
    box = torch.tensor([0.25, 0.25, 0.75, 0.75])
    located = load_crop_split(pkg, "train", cfg, variants=1, jitter=0.0, verbose=False,
                              locate=lambda f: box.expand(len(f), 4))
    expected = crop_pixels(frames, expand_box(box.expand(len(frames), 4), cfg.crop_margin, cfg.crop_min_size), 64)
    assert np.abs(to_tensor(located["pixels"][:, 0]).numpy() - expected.numpy()).max() <= 1.01 / 127.5


def test_train_py_fine_tunes_a_crop_model_on_anexport_without_item_boxes(tmp_path):
    """The retraining loop: an export from the app has no item boxes; train.py crops with the model's localizer."""
    init = tmp_path / "init.pt"
    cfg = tiny_crop_cfg()
    torch.save({"config": cfg.to_dict(), "state_dict": GraderViT(cfg).state_dict()}, str(init))
    export = export_without_item_boxes(tmp_path / "export")
    out = tmp_path / "run"
    res = subprocess.run([sys.executable, "train.py", "--data", export, "--init", str(init),
                          "--out", str(out), "--epochs", "1", "--batch", "4", "--cache", str(tmp_path / "cache")],
                         cwd=HERE, capture_output=True, text=True)
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]
    assert "have no item box: cropped where the localizer puts the item" in res.stdout
    ck = torch.load(str(out / "final.pt"))
    assert ck["config"]["crop_to_item"] and "temperature" in ck["calibration"]


def test_localizer_metrics_say_how_often_the_crop_holds_the_item_and_its_damage():
    from evaluate import localizer_metrics
    model = GraderViT(tiny_crop_cfg())
    truth = np.array([[0.2, 0.2, 0.6, 0.7], [0.1, 0.3, 0.5, 0.9], [np.nan] * 4], np.float32)
    metas = [{"width": 100, "height": 100, "boxes": [(1, [25, 25, 10, 10], 100)]},
             {"width": 100, "height": 100, "boxes": [(2, [80, 80, 10, 10], 100)]},   # outside the crop
             {"width": 100, "height": 100, "boxes": []}]
    model.locate = lambda frames: torch.from_numpy(np.nan_to_num(truth[:len(frames)], nan=0.5))
    res = localizer_metrics(model, np.zeros((3, 96, 96, 3), np.uint8), truth, metas)
    assert res["photos"] == 2 and abs(res["iou_mean"] - 1.0) < 1e-6
    assert res["crop_holds_whole_item"] == 1.0 and res["crop_holds_damage_box"] == 0.5


def test_the_way_back_onto_the_photo_is_grid_samples_bilinear_interpolation():
    """crop_map_to_frame's explicit weights compute what grid_sample (bilinear, border) computes."""
    import torch.nn.functional as F
    torch.manual_seed(0)
    g, G = 12, 30
    logits = torch.randn(2, g * g, 6) * 10
    crop = torch.tensor([[0.13, 0.2, 0.71, 0.93], [0.0, 0.05, 0.5, 0.6]])
    ours = crop_map_to_frame(logits, crop, g, G).view(2, G, G, 6)
    maps = logits.transpose(1, 2).reshape(2, 6, g, g)
    u = (torch.arange(G, dtype=torch.float32) + 0.5) / G
    tx = (u[None] - crop[:, 0:1]) / (crop[:, 2:3] - crop[:, 0:1])
    ty = (u[None] - crop[:, 1:2]) / (crop[:, 3:4] - crop[:, 1:2])
    grid = torch.stack([(tx * 2 - 1)[:, None, :].expand(2, G, G), (ty * 2 - 1)[:, :, None].expand(2, G, G)], -1)
    ref = F.grid_sample(maps, grid, mode="bilinear", padding_mode="border", align_corners=False).permute(0, 2, 3, 1)
    inside = ours != OUTSIDE_CROP_LOGIT
    assert inside.any() and torch.allclose(ours[inside], ref[inside], atol=1e-4)


def test_zoomed_out_views_take_their_canvas_from_scenes_of_any_size():
    # candidate G's scenes are wallpapers at several scales and tiled textures: a list of [3, H, W] of varied sizes
    gen = torch.Generator().manual_seed(5)
    x = -torch.ones(40, 3, 80, 80)                                     # dark photos: their border colour is -1 too
    scenes = [torch.full((3, 80, 120), 0.25), torch.full((3, 320, 330), 0.75)]
    zx, bz = zoom_out_frames(x, torch.tensor([[0.0, 0.0, 1.0, 1.0]]).repeat(40, 1), gen, share=1.0, max_zoom=4.0,
                             backgrounds=scenes, exact_zoom=True)
    canvas = zx.amax(dim=(1, 2, 3))
    assert {round(float(v), 2) for v in canvas} == {-1.0, 0.25, 0.75}  # both scenes and the border colour are drawn
    assert torch.allclose((zx == -1.0).float().mean(dim=(1, 2, 3))[canvas > -1], torch.tensor(1 / 16))
    assert torch.allclose(bz[:, 2] - bz[:, 0], torch.full((40,), 0.25))


def test_the_size_rule_is_the_share_under_which_that_many_too_small_items_fall():
    from size_rule import rule
    zoomed = np.linspace(0.01, 0.10, 101)
    below = rule(zoomed, 0.6)
    assert (zoomed < below).mean() == pytest.approx(0.6, abs=0.01)
    assert rule(zoomed, 0.25) < below   # a lower quantile catches fewer: the line moves down
    for bad in (0.0, 1.0, 1.5):
        with pytest.raises(ValueError):
            rule(zoomed, bad)
    with pytest.raises(ValueError):
        rule(np.array([]), 0.6)


def test_an_item_is_flagged_too_small_only_when_enough_of_its_photos_are():
    from item_size_study import items_flagged
    ids = np.array(["a", "a", "b", "b", "b", "c"])
    flagged = np.array([True, False, True, True, False, True])
    assert items_flagged(ids, flagged, 2) == " 0.33 (1 / 3) |"   # only b has two flagged photos
    assert items_flagged(ids, flagged, 1) == " 1.00 (3 / 3) |"
