"""train.py's settings object and its named recipes (train_config): defaults, then the preset, then the command line."""
import json
import subprocess
import sys

import pytest

import train_config
from conftest import export_without_item_boxes
from train import HERE
from train_config import PRESETS, TrainConfig, as_flags, parse


def test_a_flag_wins_over_the_preset_and_a_repeatable_flag_adds_to_its_packages(tmp_path):
    extra = tmp_path / "more"
    extra.mkdir()
    c = parse(["--preset", "fine-tune", "--data", "x", "--out", "y", "--lr", "1e-4", "--extra-train", str(extra)])
    assert (c.lr, c.pos_weight, c.damage_weight, c.bf16, c.preset) == (1e-4, 20, 3, True, "fine-tune")
    assert c.extra_train == [str(extra)]
    assert parse(["--data", "x", "--out", "y"]).pos_weight == TrainConfig().pos_weight   # no preset: the bare defaults
    assert parse(["--preset", "fine-tune", "--data", "x", "--out", "y", "--no-bf16"]).bf16 is False


def test_the_preset_is_not_changed_by_a_run_that_adds_to_its_lists(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("data/realmix-v1", "data/synth-v2", "data/site"):
        (tmp_path / name).mkdir(parents=True)
    before = list(PRESETS["site-labels"]["rehearsal"])
    c = parse(["--preset", "site-labels", "--data", "x", "--out", "y", "--rehearsal", "data/site"])
    assert c.rehearsal == before + ["data/site"]
    assert PRESETS["site-labels"]["rehearsal"] == before


@pytest.mark.parametrize("argv, words", [
    (["--out", "y"], "--data is required"),
    (["--data", "x"], "--out is required"),
    (["--data", "x", "--out", "y", "--rehearsal-share", "1"], "--rehearsal-share must be at least 0 and below 1"),
    (["--data", "x", "--out", "y", "--rehearsal", "no/such/package"], "package no/such/package does not exist"),
    (["--data", "x", "--out", "y", "--calibrate-only"], "--calibrate-only needs --init"),
])
def test_settings_that_cannot_run_are_refused_in_words(argv, words, capsys):
    with pytest.raises(SystemExit):
        parse(argv)
    assert words in capsys.readouterr().err


def test_every_preset_names_only_real_settings_and_reads_back_as_flags():
    known = set(TrainConfig.__dataclass_fields__)
    for name, preset in PRESETS.items():
        assert set(preset) - {"about"} <= known, name
        assert preset["about"]
        flags = as_flags(preset)
        assert "--about" not in flags
    assert as_flags({"bf16": True, "extra_train": ["a", "b"], "lr": 0.1, "stem": None}) == [
        "--bf16", "--extra-train", "a", "--extra-train", "b", "--lr", "0.1"]


def test_train_py_records_the_preset_and_every_setting_in_its_summary(tmp_path):
    out = tmp_path / "run"
    res = subprocess.run([sys.executable, "train.py", "--preset", "fine-tune", "--data", export_without_item_boxes(tmp_path / "pkg", 30),
                          "--out", str(out), "--epochs", "1", "--batch", "4", "--image-size", "64", "--dim", "32",
                          "--depth", "1", "--heads", "2", "--no-count-head", "--cache", str(tmp_path / "cache")],
                         cwd=HERE, capture_output=True, text=True)
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]
    summary = json.load(open(out / "train_summary.json"))["training"]
    assert summary["preset"] == "fine-tune"
    assert summary["settings"]["pos_weight"] == 20 and summary["settings"]["epochs"] == 1
    assert summary["pos_weight"] == 20 and summary["lr"] == PRESETS["fine-tune"]["lr"]
    assert train_config.TrainConfig(**summary["settings"]).check() == []
