"""train.py's settings as one object (TrainConfig) and the named recipes REPORT.md refers to (PRESETS).

    /usr/bin/python3 train.py --preset real-content-4.0.0 --init runs/init-3.2.0.pt --out runs/v15
    /usr/bin/python3 train.py --list-presets

A preset fills in a recipe's settings; any flag given on the command line wins over it (a repeatable flag such as
--extra-train adds to the preset's packages). The training summary records the preset and every setting used.
"""
from __future__ import annotations

import argparse
import os
from dataclasses import MISSING, asdict, dataclass, field, fields

HERE = os.path.dirname(os.path.abspath(__file__))


def _opt(default=None, help: str = "", choices=None):
    return field(default=default, metadata={"help": help, "choices": choices})


def _many(help: str):
    return field(default_factory=list, metadata={"help": help, "repeat": True})


@dataclass
class TrainConfig:
    # what to train on and where the result goes
    data: str | None = _opt(help="dataset package folder or zip (required unless the preset names one)")
    out: str | None = _opt(help="folder for last.pt, final.pt and train_summary.json")
    extra_train: list[str] = _many("another package whose train split is added to the training photos (repeatable)")
    rehearsal: list[str] = _many("a package whose train photos are mixed into every epoch (repeatable): fine-tuning on a "
                                 "few hundred new labels alone forgets what the model knew (REPORT.md, first labels)")
    rehearsal_share: float = _opt(0.5, "--rehearsal: share of each epoch's photos drawn (afresh each epoch) from the "
                                       "rehearsal packages")
    extra_validation: list[str] = _many("another package whose validation split is added to --data's for validation and "
                                        "calibration (temperature, region thresholds, item rule) (repeatable)")
    model_boxes: str = _opt("ignore", "an export's boxes the model drew and nobody touched (source \"model\", ADR 0051): "
                                      "ignore (default: their cells are neither damaged nor undamaged targets, and "
                                      "region validation neither expects them found nor counts a detection on them "
                                      "as false), keep (damage targets like a person's boxes: each retrain learns the "
                                      "model's own detections, false ones too, as damage) or drop (left out: their "
                                      "cells become undamaged targets). The same reading for training and validation; "
                                      "boxes without a source are always a person's",
                            ["ignore", "keep", "drop"])
    init: str | None = _opt(help="checkpoint .pt or shipped model folder to fine-tune from")
    cache: str = _opt(os.path.join(HERE, "data", "cache"), "folder of decoded photos, keyed by package content")
    # schedule and loss
    epochs: int = _opt(8)
    max_minutes: float = _opt(0.0, "wall-clock budget for the training loop (the schedule decays to it)")
    batch: int = _opt(32)
    lr: float = _opt(1e-3)
    weight_decay: float = _opt(0.05)
    warmup: int = _opt(200)
    pos_weight: float = _opt(3.0, "weight of damaged cells in the damage map's loss (the shipped models: 20)")
    damage_weight: float = _opt(1.0, "weight of the damage map's loss against the grade's (the shipped models: 3)")
    count_weight: float = _opt(0.5, "weight of the per-type instance-count loss (models with a count head)")
    localizer_weight: float = _opt(5.0, "--crop-to-item: weight of the box loss")
    low_res_size: int = _opt(0, "train the network's view at this lower size (a multiple of the patch size) for the first "
                                "--low-res-share of the run, then at --image-size (3.2.0: 128 px for 70 %%; REPORT.md); "
                                "position embeddings are resampled meanwhile, the model is unchanged")
    low_res_share: float = _opt(0.5, "--low-res-size: the share of the run (the schedule's progress) at the lower size")
    # a model from scratch
    no_count_head: bool = _opt(False, "from scratch: no count head (v1 architecture)")
    damage_subdiv: int = _opt(2, "damage cells per patch token side")
    image_size: int = _opt(256)
    dim: int = _opt(192)
    depth: int = _opt(6)
    heads: int = _opt(3)
    crop_to_item: bool = _opt(False, "from scratch: the model localizes the item on the whole photo (--frame-size) and "
                                     "grades a crop of it at --image-size (model.py); needs packages with item boxes")
    frame_size: int = _opt(320, "--crop-to-item: input size (the whole photo)")
    frame_grid: int = _opt(80, "--crop-to-item: damage-map grid over the whole photo")
    crop_jitter: float = _opt(0.04, "--crop-to-item: training crops move each box edge by N(0, this x the box size)")
    crop_variants: int = _opt(2, "--crop-to-item: differently jittered crops made of each training photo")
    stem_activation: str = _opt("gelu", "from scratch: the conv stem's activation (see model.ConvStem)", ["gelu", "relu"])
    stem: str | None = _opt(None, "conv: trained from scratch (the default); resnet18: the first --stem-stages stages of "
                                  "the NuGet package's ImageNet ResNet-18, frozen (ADR 0026). With --init of a model with "
                                  "another stem: everything but the stem comes from --init", ["conv", "resnet18"])
    stem_stages: int = _opt(3, "--stem resnet18: ResNet stages kept (3: stride 16)")
    # the machine and the run
    threads: int = _opt(2)
    bf16: bool = _opt(False, "bfloat16 mixed-precision forward pass (CPUs with AVX512-BF16)")
    seed: int = _opt(0)
    limit: int = _opt(0, "use at most N train images (smoke tests)")
    validate_every: int = _opt(1, "quick validation every N epochs (and at the end)")
    # other modes
    prepare_only: bool = _opt(False, "only decode the packages into the cache this model's training reads, then exit")
    calibrate_only: bool = _opt(False, "no training: refit temperature and thresholds of --init on --data's validation")
    test_time_hflip: bool = _opt(False, "with --calibrate-only: the model averages each image with its mirror image from "
                                        "now on (saved in its config, so evaluate.py and export.py use it too)")
    hflip_at: str | None = _opt(None, "with --calibrate-only: mirror the image (the stem runs twice) or the stem's "
                                      "feature map (once)", ["image", "features"])
    preset: str | None = _opt(None, "the named recipe these settings started from")

    def check(self) -> list[str]:
        """What is wrong with these settings, in words (empty when they can run)."""
        problems = []
        if not self.data:
            problems.append("--data is required (or a --preset that names the package)")
        if not self.out:
            problems.append("--out is required")
        if not 0 <= self.rehearsal_share < 1:
            problems.append("--rehearsal-share must be at least 0 and below 1")
        if not 0 <= self.low_res_share <= 1:
            problems.append("--low-res-share must be between 0 and 1")
        if self.calibrate_only and not self.init:
            problems.append("--calibrate-only needs --init (the model to calibrate)")
        for package in [*self.extra_train, *self.rehearsal, *self.extra_validation]:
            if not os.path.exists(package if os.path.isabs(package) else os.path.join(os.getcwd(), package)):
                problems.append(f"package {package} does not exist (models/training/README.md says how each is built)")
        return problems

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_command_line(cls, argv: list[str] | None = None) -> "TrainConfig":
        return parse(argv)


# The recipes behind the models REPORT.md describes, by name. Shipped models were trained with these settings; the data
# folders are the ones the report's commands build (synth.py, realmix.py).
PRESETS: dict[str, dict] = {
    "from-scratch-3.2.0": {
        "about": "3.2.0: from scratch on three generated packages, crop to the item, 128 px for the first 70 %, 48 min "
                 "(REPORT.md, 3.2.0 / 3.1.0 / 3.0.0)",
        "data": "data/synth-v1", "extra_train": ["data/synth-v1b", "data/synth-v1c"],
        "extra_validation": ["data/synth-v1b", "data/synth-v1c"],
        "epochs": 200, "max_minutes": 48, "dim": 160, "heads": 4, "depth": 6, "image_size": 192, "damage_subdiv": 4,
        "lr": 2e-3, "warmup": 100, "pos_weight": 20, "damage_weight": 3, "count_weight": 0.5, "threads": 2,
        "bf16": True, "validate_every": 2, "crop_to_item": True, "frame_size": 320, "frame_grid": 80,
        "crop_variants": 2, "crop_jitter": 0.04, "low_res_size": 128, "low_res_share": 0.7,
    },
    "real-content-4.0.0": {
        "about": "4.0.0: 3.2.0 fine-tuned on real content (realmix-v1) and a second generated package, 45 min, one "
                 "thread (REPORT.md, 4.0.0); give --init the 3.2.0 weights",
        "data": "data/realmix-v1", "extra_train": ["data/synth-v2"], "extra_validation": ["data/synth-v2"],
        "epochs": 100, "max_minutes": 45, "threads": 1, "lr": 7e-4, "warmup": 100, "pos_weight": 20,
        "damage_weight": 3, "bf16": True, "validate_every": 3, "low_res_size": 128, "low_res_share": 0.5,
    },
    "real-content-4.1.0": {
        "about": "4.1.0 (v24): 4.0.1 fine-tuned on five packages - real content, train-only surfaces, counterfactual "
                 "pairs, train-only objects, generated - 45 min, two threads (REPORT.md, v24); give --init the 4.0.1 "
                 "weights; ./make_data.sh checks train synth-tests extra pairs objects",
        "data": "data/realmix-v1",
        "extra_train": ["data/realmix-v3", "data/realpairs-v1", "data/realmix-v4", "data/synth-v2"],
        "extra_validation": ["data/synth-v2"],
        "epochs": 100, "max_minutes": 45, "threads": 2, "lr": 4e-4, "warmup": 50, "pos_weight": 20,
        "damage_weight": 3, "bf16": True, "validate_every": 3, "low_res_size": 128, "low_res_share": 0.3,
    },
    "hybrid-v17": {
        "about": "v17 (not shipped): 4.0.0's transformer over the frozen ResNet-18 stem, 65 min (REPORT.md, v17); "
                 "give --init ../grader-vit-v1",
        "data": "data/realmix-v1", "extra_train": ["data/synth-v2"], "extra_validation": ["data/synth-v2"],
        "stem": "resnet18", "epochs": 100, "max_minutes": 65, "threads": 1, "lr": 7e-4, "warmup": 100,
        "pos_weight": 20, "damage_weight": 3, "bf16": True, "validate_every": 4, "low_res_size": 128,
        "low_res_share": 0.3,
    },
    "fine-tune": {
        "about": "retrain.py's default: a short fine-tune of the shipped model on an export, with the loss the shipped "
                 "weights were trained with (pos_weight 20, damage_weight 3: the bare defaults 3 and 1 are the v1 "
                 "recipe and shift its damage probabilities); give --data and --init",
        "epochs": 8, "max_minutes": 20, "lr": 2e-4, "warmup": 20, "pos_weight": 20, "damage_weight": 3, "threads": 1,
        "bf16": True,
    },
    "site-labels": {
        "about": "fine-tune, with half of each epoch rehearsed from the shipped model's own training packages so that "
                 "it does not forget (REPORT.md, rehearsal); needs data/realmix-v1 and data/synth-v2 (README)",
        "rehearsal": ["data/realmix-v1", "data/synth-v2"], "rehearsal_share": 0.5, "epochs": 8, "max_minutes": 20,
        "lr": 2e-4, "warmup": 20, "pos_weight": 20, "damage_weight": 3, "threads": 1, "bf16": True,
    },
}

_FIELDS = {f.name: f for f in fields(TrainConfig)}
for _name, _preset in PRESETS.items():
    _unknown = set(_preset) - set(_FIELDS) - {"about"}
    assert not _unknown, f"preset {_name} sets unknown settings {_unknown}"


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--list-presets", action="store_true", help="print the named recipes and exit")
    for f in fields(TrainConfig):
        flag = "--" + f.name.replace("_", "-")
        help_text = f.metadata.get("help", "")
        if f.metadata.get("repeat"):
            ap.add_argument(flag, action="append", default=None, help=help_text)
        elif f.type in ("bool", bool):
            # --flag / --no-flag: a preset's True can be turned off on the command line (a "no_" setting is its own negation)
            action = "store_true" if f.name.startswith("no_") else argparse.BooleanOptionalAction
            ap.add_argument(flag, action=action, default=None, help=help_text)
        elif f.name == "preset":
            ap.add_argument(flag, choices=sorted(PRESETS), default=None, help="start from a named recipe (--list-presets)")
        else:
            default = None if f.default is MISSING else f.default
            kind = {"int": int, "float": float}.get(str(f.type), str)
            ap.add_argument(flag, type=kind, choices=f.metadata.get("choices"), default=None,
                            help=help_text + (f" (default {default})" if default not in (None, "") else ""))
    return ap


def as_flags(settings: dict) -> list[str]:
    """Settings as the command line that gives them (for --list-presets and the report)."""
    flags = []
    for name, value in settings.items():
        if name == "about" or value is None or value is False:
            continue
        flag = "--" + name.replace("_", "-")
        if isinstance(value, list):
            flags += [part for v in value for part in (flag, str(v))]
        elif value is True:
            flags.append(flag)
        else:
            flags += [flag, str(value)]
    return flags


def parse(argv: list[str] | None = None) -> TrainConfig:
    """Defaults, then the preset, then the command line; exits with the problems in words when they cannot run."""
    ap = parser()
    args = ap.parse_args(argv)
    if args.list_presets:
        for name, preset in PRESETS.items():
            print(f"{name}: {preset['about']}\n    {' '.join(as_flags(preset))}")
        raise SystemExit(0)
    values = {}
    if args.preset:
        values.update({k: (list(v) if isinstance(v, list) else v) for k, v in PRESETS[args.preset].items() if k != "about"})
    for name, f in _FIELDS.items():
        given = getattr(args, name)
        if given is None:
            continue
        if f.metadata.get("repeat"):
            values[name] = values.get(name, []) + given   # a repeatable flag adds to the preset's packages
        else:
            values[name] = given
    config = TrainConfig(**values)
    problems = config.check()
    if problems:
        ap.error("; ".join(problems))
    return config
