"""Real content (realsrc.py, realmix.py), the real-photo check's metrics (evaluate.realcheck) and familiarity
(familiarity.py, model.familiarity_score, the exported third output). The Debian packages are not installed in CI:
these tests build a small real-content folder of the same layout from generated images."""
import json
import os
import struct

import numpy as np
import onnx
import pytest
import torch
from PIL import Image

import realmix
import realsrc
from evaluate import check_variant, realcheck
from export import FAMILIARITY_OUTPUT, export_onnx, familiarity_section, golden
from familiarity import blend_statistics, fit_statistics, prefill_threshold, with_familiarity
from model import GraderViT, ModelConfig
from package import open_package
from rubric import DAMAGE_TYPES, GRADES, SEVERITY_POINTS, grade_index_from_points

STAMPS = "x/tuxpaint-stamps-default/usr/share/tuxpaint/stamps"
PATTERNS = "x/gimp-data/usr/share/gimp/2.0/patterns"
WALLPAPERS = "x/plasma-workspace-wallpapers/usr/share/wallpapers"


def write_pattern(path, rgb: np.ndarray, name=b"test"):
    h, w, _ = rgb.shape
    header = struct.pack(">5I", 24 + len(name) + 1, 1, w, h, 3) + b"GPAT" + name + b"\0"
    with open(path, "wb") as f:
        f.write(header + rgb.astype(np.uint8).tobytes())


def disc(size: int, colour, rng) -> Image.Image:
    """An RGBA 'object': a textured disc on a transparent background."""
    yy, xx = np.mgrid[0:size, 0:size]
    inside = (xx - size / 2) ** 2 + (yy - size / 2) ** 2 < (0.45 * size) ** 2
    rgb = np.clip(np.array(colour)[None, None] + rng.normal(0, 12, (size, size, 3)), 0, 255)
    return Image.fromarray(np.dstack([rgb, inside * 255]).astype(np.uint8), "RGBA")


@pytest.fixture(scope="module")
def real_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("real")
    rng = np.random.default_rng(3)
    colours = [(200, 60, 40), (40, 160, 60), (230, 200, 50), (90, 90, 200), (150, 100, 60), (220, 220, 220)]
    for i in range(24):
        folder = root / STAMPS / ("food/fruit" if i % 2 else "household")
        folder.mkdir(parents=True, exist_ok=True)
        disc(120 + 8 * (i % 5), colours[i % len(colours)], rng).save(folder / f"thing{i:02d}.png")
    for i in range(8):   # the first-labels experiment's "new site" objects
        folder = root / STAMPS / "seasonal/christmas"
        folder.mkdir(parents=True, exist_ok=True)
        disc(130, colours[i % len(colours)], rng).save(folder / f"ornament{i}.png")
    # a drawing folder and an icon: never used
    (root / STAMPS / "food/fruit/cartoon").mkdir(parents=True)
    disc(120, (255, 0, 0), rng).save(root / STAMPS / "food/fruit/cartoon/drawn.png")
    disc(30, (255, 0, 0), rng).save(root / STAMPS / "household/icon.png")
    for i in range(12):
        (root / PATTERNS / "Stone").mkdir(parents=True, exist_ok=True)
        write_pattern(root / PATTERNS / "Stone" / f"p{i}.pat", rng.integers(0, 255, (64, 64, 3)))
        d = root / WALLPAPERS / f"Wall{i}" / "contents" / "images"
        d.mkdir(parents=True)
        Image.fromarray(rng.integers(0, 255, (300, 400, 3), dtype=np.uint8)).resize((800, 600)).save(d / "800x600.jpg")
    with open(root / "sources.json", "w") as f:
        json.dump({p: {"version": "test", "licence": lic} for p, lic in realsrc.PACKAGES.items()}, f)
    return str(root)


def test_content_sides_are_fixed_by_name_and_split_objects_textures_and_backgrounds(real_root):
    assert realsrc.side_of("object:food/fruit/apple") == realsrc.side_of("object:food/fruit/apple")
    for lister in (realsrc.objects, realsrc.textures, realsrc.backgrounds):
        train = {n for n, _ in lister(real_root, "train")}
        check = {n for n, _ in lister(real_root, "check")}
        assert train and check and not train & check
    names = [n for n, _ in realsrc.object_files(real_root)]
    assert not any("cartoon" in n for n in names) and not any(n.startswith("seasonal") for n in names)
    site = [n for side in ("train", "check") for n, _ in realsrc.objects(real_root, side, "site")]
    assert len(site) == 8 and all(n.startswith("seasonal/") for n in site)   # disjoint from training's objects
    assert realsrc.load_object(os.path.join(real_root, STAMPS, "household/icon.png")) is None   # too small


def test_the_extra_wallpapers_halves_are_fixed_by_name_disjoint_and_whole(tmp_path):
    # candidate O: a size localizer trains on one half, the too-small line is fitted on the other (size_rule.py)
    for pkg in ("mate-backgrounds", "gnome-backgrounds", "lomiri-wallpapers"):
        folder = tmp_path / "x" / pkg / "usr" / "share" / "backgrounds"
        folder.mkdir(parents=True)
        for i in range(12):
            (folder / f"wall{i}.jpg").write_bytes(b"\0" * 50_001)
    every = realsrc.extra_background_files(str(tmp_path))
    ours, rules = (realsrc.extra_background_half(str(tmp_path), h) for h in ("localizer", "rule"))
    assert len(every) == 36 and sorted(ours + rules) == sorted(every) and not set(ours) & set(rules)
    assert 8 <= len(ours) <= 28                                      # a hash, not a count: about half each
    assert realsrc.extra_background_half(str(tmp_path), "rule") == rules   # the same every time
    with pytest.raises(ValueError):
        realsrc.extra_background_half(str(tmp_path), "check")


def test_reserved_packages_are_refused():
    with pytest.raises(ValueError, match="reserved"):
        realsrc.load_object("/usr/share/doc/python3-skimage/data/astronaut.png")
    with pytest.raises(ValueError, match="reserved"):
        realsrc.load_background("/tmp/opencv-doc/samples/data/lena.jpg")
    assert not realsrc.RESERVED_PACKAGES & set(realsrc.PACKAGES)


def test_gimp_patterns_are_read_pixel_exact(tmp_path):
    rgb = np.random.default_rng(1).integers(0, 255, (5, 7, 3))
    write_pattern(tmp_path / "p.pat", rgb)
    assert np.array_equal(realsrc.read_gimp_pattern(str(tmp_path / "p.pat")), rgb)
    (tmp_path / "bad.pat").write_bytes(b"\0" * 40)
    with pytest.raises(ValueError):
        realsrc.read_gimp_pattern(str(tmp_path / "bad.pat"))


def test_training_mix_is_a_valid_package_of_train_side_content_with_exact_damage(real_root, tmp_path):
    pkg = realmix.generate(real_root, str(tmp_path / "mix"), items=24, seed=5, workers=1, prefix="rmx",
                           check=False, cache=str(tmp_path / "cache"), log_every=0)
    assert pkg["source"] == "synthetic-real-content" and pkg["counts"]["items"] == 24
    gen = pkg["generator"]
    assert gen["side"] == "train" and sum(gen["kind_counts"].values()) == 24
    p = open_package(str(tmp_path / "mix"))
    samples = p.samples()
    check_objects = {n for n, _ in realsrc.objects(real_root, "check")}
    objects = {im["id"]: im.get("object") for im in p.coco["images"]}
    assert any(o in {n for n, _ in realsrc.objects(real_root, "train")} for o in objects.values())
    for s in samples:
        assert objects[s["id"]] not in check_objects
        assert len(s["item_box"]) == 4
        points = sum(SEVERITY_POINTS[DAMAGE_TYPES[a["type"]]] for a in s["annotations"])
        assert grade_index_from_points(points) == s["grade_index"]   # every painted damage is annotated
    card = open(tmp_path / "mix" / "dataset_card.md").read()
    assert "tuxpaint-stamps-default" in card and "python3-skimage" in card


def copy_of(real_root, tmp_path):
    """A writable copy of the module's real-content folder, for a test that adds packages to it."""
    import shutil
    root = tmp_path / "real"
    shutil.copytree(real_root, root)
    return root


def test_extra_content_is_train_only_and_goes_into_the_training_mix_when_asked(real_root, tmp_path):
    root = copy_of(real_root, tmp_path)
    rng = np.random.default_rng(7)
    pats = root / "x/gimp-data-extras/usr/share/gimp/2.0/patterns"
    pats.mkdir(parents=True)
    write_pattern(pats / "Extra.pat", rng.integers(0, 255, (48, 48, 3)))
    papers = root / "x/mypaint-data-extras/usr/share/mypaint/backgrounds/ramon"
    papers.mkdir(parents=True)
    Image.new("RGBA", (64, 64), (255, 0, 0, 0)).save(papers / "paper.png")            # wholly transparent
    walls = root / "x/mate-backgrounds/usr/share/backgrounds/mate/nature"
    walls.mkdir(parents=True)
    Image.fromarray(rng.integers(0, 255, (300, 300, 3), dtype=np.uint8)).save(walls / "Noise.png")
    Image.new("RGB", (8, 8)).save(walls / "tiny.png")                                # under 50 kB: a placeholder
    assert [n for n, _ in realsrc.extra_textures(str(root))] == [
        "extra-texture:gimp-data-extras/usr/share/gimp/2.0/patterns/Extra.pat",
        "extra-texture:mypaint-data-extras/usr/share/mypaint/backgrounds/ramon/paper.png"]
    assert [n for n, _ in realsrc.extra_background_files(str(root))] == [
        "extra-wallpaper:mate-backgrounds/usr/share/backgrounds/mate/nature/Noise.png"]
    assert np.array_equal(realsrc.read_texture(str(papers / "paper.png")), np.full((64, 64, 3), 128, np.uint8))
    with pytest.raises(ValueError, match="train-only"):
        realmix._init_worker(str(root), "check", str(tmp_path / "cache"), extra=True)
    plain = realmix.generate(str(root), str(tmp_path / "plain"), items=4, seed=5, workers=1, prefix="rmx",
                             check=False, cache=str(tmp_path / "cache"), log_every=0)["generator"]["content"]
    extra = realmix.generate(str(root), str(tmp_path / "extra"), items=4, seed=5, workers=1, prefix="rmx",
                             check=False, cache=str(tmp_path / "cache"), log_every=0, extra=True)["generator"]["content"]
    assert extra["textures"] == plain["textures"] + 2 and extra["backgrounds"] == plain["backgrounds"] + 1
    assert "gimp-data-extras" in extra["train_only_extra"] and "train_only_extra" not in plain


def test_extra_objects_are_train_only_are_drawn_into_the_mix_and_oversized_drawings_are_refused(real_root, tmp_path):
    root = copy_of(real_root, tmp_path)
    rng = np.random.default_rng(9)
    devices = root / "x/oxygen-icon-theme/usr/share/icons/oxygen/base/256x256/devices"
    devices.mkdir(parents=True)
    disc(256, (90, 90, 90), rng).save(devices / "phone.png")
    mimetypes = root / "x/oxygen-icon-theme/usr/share/icons/oxygen/base/256x256/mimetypes"
    mimetypes.mkdir(parents=True)
    disc(256, (90, 90, 90), rng).save(mimetypes / "text-plain.png")                 # a folder that is not used
    clipart = root / "x/openclipart-png/usr/share/openclipart/png/household"
    clipart.mkdir(parents=True)
    disc(1200, (30, 120, 200), rng).save(clipart / "big_plate.png")                 # shrunk to 640 px on loading
    Image.new("RGBA", (5000, 4000), (0, 0, 0, 255)).save(clipart / "poster.png")     # 20 Mpx: refused unread
    names = [n for n, _ in realsrc.extra_object_files(str(root))]
    assert names == ["extra-object:oxygen-icon-theme/usr/share/icons/oxygen/base/256x256/devices/phone.png",
                     "extra-object:openclipart-png/usr/share/openclipart/png/household/big_plate.png",
                     "extra-object:openclipart-png/usr/share/openclipart/png/household/poster.png"]
    rgb, alpha = realsrc.load_extra_object(str(clipart / "big_plate.png"))
    assert max(alpha.shape) <= realsrc.EXTRA_OBJECT_MAX_SIDE and rgb.shape[:2] == alpha.shape
    assert realsrc.load_extra_object(str(clipart / "poster.png")) is None
    with pytest.raises(ValueError, match="train-only"):
        realmix._init_worker(str(root), "check", str(tmp_path / "cache"), extra_objects=True)
    with pytest.raises(ValueError, match="train-only"):
        realmix._init_worker(str(root), "train", str(tmp_path / "cache"), content="site", extra_objects=True)
    pkg = realmix.generate(str(root), str(tmp_path / "objects"), items=24, seed=5, workers=1, prefix="rmx",
                           check=False, cache=str(tmp_path / "cache"), log_every=0, extra_objects=True)
    content, kinds = pkg["generator"]["content"], pkg["generator"]["kind_counts"]
    assert content["train_only_object_files"] == 3 and "openclipart-png" in content["train_only_object_packages"]
    assert 0 < kinds["object_train_only_extra"] <= kinds["object"]
    drawn = {s["object"] for s in json.load(open(tmp_path / "objects/annotations/coco.json"))["images"]}
    assert not any(n.endswith("poster.png") for n in drawn)                          # refused objects are drawn again
    plain = realmix.generate(str(root), str(tmp_path / "plain"), items=4, seed=5, workers=1, prefix="rmx",
                             check=False, cache=str(tmp_path / "cache"), log_every=0)["generator"]["content"]
    assert "train_only_object_files" not in plain


def test_the_check_has_each_check_object_clean_light_and_heavy_in_the_test_split(real_root, tmp_path):
    pkg = realmix.generate(real_root, str(tmp_path / "check"), items=0, seed=5, workers=1, prefix="rc",
                           check=True, cache=str(tmp_path / "cache"), log_every=0)
    assert pkg["counts"]["per_split"]["train"]["items"] == 0 and pkg["counts"]["per_split"]["validation"]["items"] == 0
    assert "not the sha256 rule" in pkg["split_rule"]
    by_object = {}
    for s in open_package(str(tmp_path / "check")).samples("test"):
        obj, variant = check_variant(s["item_id"])
        by_object.setdefault(obj, {})[variant] = GRADES[s["grade_index"]]
    assert len(by_object) == pkg["generator"]["content"]["objects"] - len(pkg["generator"]["objects_left_out"])
    for variants in by_object.values():
        assert variants["clean"] == "LikeNew"
        assert variants["light"] in ("VeryGood", "Good")
        assert variants["heavy"] in ("Acceptable", "Unsellable")


def test_check_repeats_add_takes_of_each_object_and_keep_the_first_take_as_the_check_without_them(real_root, tmp_path):
    def build(name, repeats):
        realmix.generate(real_root, str(tmp_path / name), items=0, seed=5, workers=1, prefix="rc", check=True,
                         cache=str(tmp_path / "cache"), log_every=0, check_repeats=repeats)
        pkg = open_package(str(tmp_path / name))
        return {s["item_id"]: pkg.read_image(s["file_name"]) for s in pkg.samples("test")}, pkg.manifest
    once, _ = build("once", 1)
    again, _ = build("again", 1)
    assert all(again[k] == once[k] for k in once), "the check is not reproducible at all"
    twice, manifest = build("twice", 2)
    assert manifest["generator"]["repeats"] == 2
    first_take = {k: v for k, v in twice.items() if "-r1-" not in k}
    assert first_take.keys() == once.keys() and all(first_take[k] == once[k] for k in once)
    second = {check_variant(k)[0] for k in twice if "-r1-" in k}
    assert second and all(o.endswith("-r1") for o in second)       # the second take pairs its own clean and heavy
    assert len(twice) >= 2 * len(once) - 9                          # an object may fail to render in one take


def tiny_cfg(**kw) -> ModelConfig:
    settings = dict(image_size=64, patch_size=16, dim=32, depth=1, heads=2, stem_channels=[8, 16, 32],
                    damage_subdiv=2, count_head=True, crop_to_item=True, frame_size=96, frame_grid=24,
                    localizer_size=48, test_time_hflip=True)
    return ModelConfig(**{**settings, **kw})


def test_whitening_makes_the_training_features_unit_variance_and_a_far_photo_scores_low():
    rng = np.random.default_rng(0)
    mix = rng.normal(size=(8, 8))
    feats = rng.normal(size=(5000, 8)) @ mix + 3.0
    mean, whiten = fit_statistics(feats, shrinkage=0.0)
    z = (feats - mean) @ whiten
    assert np.allclose(np.cov(z, rowvar=False), np.eye(8), atol=0.05)
    model = with_familiarity(GraderViT(tiny_cfg(dim=4)), mean, whiten)   # feature_dim = 2 * dim = 8
    near = model.familiarity_score(torch.from_numpy(feats[:200].astype(np.float32)))
    far = model.familiarity_score(torch.from_numpy((feats[:200] + 10 * mix[0]).astype(np.float32)))
    assert abs(float(near.mean()) + 1.0) < 0.2           # about -1 for a training-like photo
    assert float(far.max()) < float(near.min())


def test_prefill_threshold_is_the_lowest_confidence_that_keeps_wrong_prefills_under_the_limit():
    conf = np.array([0.99, 0.95, 0.9, 0.8, 0.7, 0.6])
    right = np.array([True, True, True, False, True, False])
    assert prefill_threshold(conf, right, 0.25) == 0.7    # top 5: 1 wrong of 5 = 0.2
    assert prefill_threshold(conf, right, 0.0) == 0.9
    assert prefill_threshold(conf, ~right | True, 0.0) == 0.6


def test_a_model_with_familiarity_exports_it_as_a_third_output_and_in_golden(tmp_path):
    torch.manual_seed(0)
    base = GraderViT(tiny_cfg()).eval()
    rng = np.random.default_rng(0)
    mean = rng.normal(size=base.feature_dim).astype(np.float32)
    whiten = np.eye(base.feature_dim, dtype=np.float32) * 0.5
    model = with_familiarity(base, mean, whiten)
    x = torch.randn(3, 3, 96, 96)
    with torch.no_grad():
        g, d, f = model(x, return_familiarity=True)
        g0, d0 = base(x)
    assert torch.allclose(g, g0) and torch.allclose(d, d0)   # familiarity adds an output, changes none
    assert f.shape == (3,)
    with torch.no_grad():   # the score is mirror-averaged like the outputs: a mirrored photo scores the same
        _, _, fm = model(x.flip(3), return_familiarity=True)
    assert torch.allclose(f, fm, atol=1e-4)
    path = str(tmp_path / "m.onnx")
    export_onnx(model, path)
    outs = [o.name for o in onnx.load(path).graph.output]
    assert outs == ["grade_logits", "damage_logits", FAMILIARITY_OUTPUT]
    cal = {"temperature": 1.0, "thresholds": [0.5] * 6, "min_cells": [1] * 6,
           "familiarity": {"threshold": -2.0, "method": "m", "fitted_on": "f", "threshold_rule": "r",
                           "validation_familiar_rate": 0.99, "prefill_min_confidence": 0.7}}
    gold = golden(model, cal, None)
    assert all("familiarity" in c for c in gold["cases"])
    section = familiarity_section(cal)
    assert section["output"] == FAMILIARITY_OUTPUT and section["threshold"] == -2.0
    with pytest.raises(ValueError):
        base(x, return_familiarity=True)                   # a model without familiarity has no such output


def test_realcheck_reports_the_targets_per_photo_and_per_object(real_root, tmp_path):
    realmix.generate(real_root, str(tmp_path / "check"), items=0, seed=5, workers=1, prefix="rc", check=True,
                     cache=str(tmp_path / "cache"), log_every=0)
    torch.manual_seed(0)
    model = GraderViT(tiny_cfg()).eval()
    cal = {"temperature": 1.0, "thresholds": [0.9] * 6, "min_cells": [1] * 6, "item_rule": {}}
    rc = realcheck(model, cal, str(tmp_path / "check"), str(tmp_path / "cache"))
    for key in ("clean_called_clean", "heavy_called_damaged", "heavy_graded_worse_than_clean", "confidently_wrong",
                "quadratic_weighted_kappa", "ece"):
        assert rc[key] is not None and 0 <= rc[key] <= 1 or key == "quadratic_weighted_kappa"
    assert rc["photos"] == 3 * 3 * rc["objects"]
    assert set(next(iter(rc["by_object"].values()))) == {"clean", "light", "heavy"}


def test_a_refit_after_fine_tuning_blends_the_earlier_statistics_with_the_new_photos():
    rng = np.random.default_rng(1)
    old = rng.normal(size=(6000, 6)) @ rng.normal(size=(6, 6))
    new = rng.normal(size=(2000, 6)) + 2.0
    m0, w0 = fit_statistics(old, shrinkage=0.0)
    mean, whiten = blend_statistics(m0, w0, len(old), new, shrinkage=0.0)
    both = np.concatenate([old, new])
    pooled_cov = np.linalg.inv(whiten.astype(np.float64) @ whiten.astype(np.float64))
    assert np.allclose(mean, both.mean(0), atol=1e-3)
    assert np.allclose(pooled_cov, np.cov(both, rowvar=False), rtol=0.01, atol=0.01)


def familiar_checkpoint(tmp_path, cutoff=0.5):
    """A tiny crop model with fitted familiarity (every photo familiar) and a stored prefill cut-off."""
    from test_crop_to_item import tiny_crop_cfg
    base = GraderViT(ModelConfig.from_dict(tiny_crop_cfg().to_dict()))
    d = base.feature_dim
    model = with_familiarity(base, np.zeros(d, np.float32), np.eye(d, dtype=np.float32))
    path = tmp_path / "fam.pt"
    torch.save({"config": model.cfg.to_dict(), "state_dict": model.state_dict(),
                "calibration": {"temperature": 1.0, "familiarity": {
                    "threshold": -1e9, "fitted_on": "earlier photos", "fit_photos": 10, "prefill_min_confidence": cutoff,
                    "threshold_rule": "r", "method": "m"}}}, str(path))
    return path, model


def run_familiarity(tmp_path, ckpt, *args):
    import subprocess
    import sys
    from train import HERE
    out = tmp_path / "out"
    res = subprocess.run([sys.executable, "familiarity.py", "--ckpt", str(ckpt), "--out", str(out), "--threads", "1",
                          "--cache", str(tmp_path / "cache"), *args], cwd=HERE, capture_output=True, text=True)
    return res, out


def test_keep_statistics_refits_only_the_prefill_cutoff_on_the_named_packages_validation_photos(tmp_path):
    from conftest import export_without_item_boxes
    from dataset import load_split
    from familiarity import run_model
    from metrics import softmax
    generated = export_without_item_boxes(tmp_path / "generated", 30)
    real = export_without_item_boxes(tmp_path / "real", 24)
    ckpt, model = familiar_checkpoint(tmp_path)
    res, out = run_familiarity(tmp_path, ckpt, "--data", generated, "--extra", real, "--prefill-fit-on", real,
                               "--keep-statistics", "--max-wrong-prefill", "0.3")
    assert res.returncode == 0, res.stderr
    ck = torch.load(out / "final.pt", map_location="cpu")
    fam = ck["calibration"]["familiarity"]
    # what is fitted: the cut-off, over the named package's validation photos only, by the same rule
    val = load_split(real, "validation", model.cfg.input_size, model.cfg.output_grid, str(tmp_path / "cache"))
    logits, _, _ = run_model(model, val["pixels"])
    probs = softmax(logits, 1.0)
    expected = prefill_threshold(probs.max(1), probs.argmax(1) == val["grade"], 0.3)
    assert fam["prefill_min_confidence"] == pytest.approx(round(expected, 4))
    assert "real's familiar validation photos" in fam["prefill_rule"]
    report = json.loads((out / "familiarity.json").read_text())
    assert report["validation_photos_fitted_on"] == len(val["grade"])
    # what is kept: the statistics, the threshold and where they were fitted
    assert fam["threshold"] == -1e9 and fam["fitted_on"] == "earlier photos"
    for k, v in model.state_dict().items():
        assert torch.equal(ck["state_dict"][k], v), k


def test_a_prefill_package_that_is_not_one_of_the_fitted_ones_is_refused(tmp_path):
    from conftest import export_without_item_boxes
    generated = export_without_item_boxes(tmp_path / "generated", 20)
    ckpt, _ = familiar_checkpoint(tmp_path)
    res, out = run_familiarity(tmp_path, ckpt, "--data", generated, "--prefill-fit-on", str(tmp_path / "elsewhere"),
                               "--keep-statistics")
    assert res.returncode == 2
    assert "--prefill-fit-on must name one of the --data/--extra packages" in res.stderr
    assert not out.exists()


def test_pairs_show_one_object_in_one_scene_clean_and_damaged_and_differ_only_where_the_damage_is(real_root, tmp_path):
    import io

    from PIL import Image
    pkg = realmix.generate(real_root, str(tmp_path / "pairs"), items=6, seed=9, workers=1, prefix="pr", check=False,
                           cache=str(tmp_path / "cache"), log_every=0, pairs=True)
    assert pkg["counts"]["items"] == 12 and pkg["generator"]["pairs"] == 6
    p = open_package(str(tmp_path / "pairs"))
    samples = p.samples()
    assert {s["split"] for s in samples} == {"train"}
    check_objects = {n for n, _ in realsrc.objects(real_root, "check")}
    extras = {im["id"]: im for im in p.coco["images"]}   # the generator's per-photo record (object, pair, half, view)
    by_pair = {}
    for s in samples:
        s.update({k: extras[s["id"]][k] for k in ("object", "pair", "half", "view")})
        assert s["object"] not in check_objects
        by_pair.setdefault((s["pair"], s["view"]), {})[s["half"]] = s
    inside, outside = [], []
    for halves in by_pair.values():
        clean, damaged = halves["clean"], halves["damaged"]
        assert clean["grade_index"] == 0 and clean["annotations"] == [] and damaged["grade_index"] > 0
        assert damaged["annotations"] and clean["object"] == damaged["object"]
        a = np.asarray(Image.open(io.BytesIO(p.read_image(clean["file_name"]))).convert("L"), np.float32)
        b = np.asarray(Image.open(io.BytesIO(p.read_image(damaged["file_name"]))).convert("L"), np.float32)
        assert a.shape == b.shape
        near = np.zeros(a.shape, bool)
        for ann in damaged["annotations"]:
            x, y, w, h = (int(v) for v in ann["bbox"])
            near[max(0, y - 8):y + h + 8, max(0, x - 8):x + w + 8] = True
        diff = np.abs(a - b)
        inside.append(diff[near].mean())
        outside.append(diff[~near].mean())
    # the same scene: away from the damage only JPEG noise differs; where it is painted, the photos differ
    assert max(outside) < 2.0
    assert np.mean(inside) > 4 * np.mean(outside)


def test_pairs_are_training_data_of_product_objects_only(real_root, tmp_path):
    with pytest.raises(ValueError):
        realmix.generate(real_root, str(tmp_path / "p"), items=2, seed=1, workers=1, prefix="p", check=True,
                         cache=str(tmp_path / "cache"), log_every=0, pairs=True)
