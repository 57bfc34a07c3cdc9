"""What a manifest says a model was trained from: the same on every machine, and the shipped init by name."""
import hashlib
import json
import os

from export import training_record
from train import REPO_ROOT, describe_init, repo_relative


def test_repo_relative_names_a_path_inside_the_checkout_as_the_repository_does():
    inside = os.path.join(REPO_ROOT, "models", "training", "data", "realmix-v3")
    assert repo_relative(inside) == "models/training/data/realmix-v3"
    assert repo_relative(os.path.join(REPO_ROOT, "models", "training", "..", "grader-vit-v1")) == "models/grader-vit-v1"


def test_repo_relative_keeps_a_path_outside_the_checkout_absolute(tmp_path):
    assert repo_relative(str(tmp_path / "pkg")) == str(tmp_path / "pkg")
    # a sibling folder whose name starts like the checkout's is outside it
    assert repo_relative(REPO_ROOT + "-copy/data") == REPO_ROOT + "-copy/data"


def _shipped(folder, weights: bytes, vouched_sha: str | None = None):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "model.pt"), "wb") as f:
        f.write(weights)
    sha = hashlib.sha256(weights).hexdigest()
    with open(os.path.join(folder, "model.json"), "w") as f:
        json.dump({"name": "grader-vit-v1", "version": "9.8.7",
                   "files": {"pytorch_weights": "model.pt", "pytorch_weights_sha256": vouched_sha or sha}}, f)
    return sha


def test_a_shipped_init_is_named_by_name_version_and_sha_whether_given_as_folder_or_file(tmp_path):
    sha = _shipped(tmp_path / "grader-vit-v1", b"weights of 9.8.7")
    expected = f"grader-vit-v1 9.8.7 (model.pt sha256 {sha[:16]}...; fine-tuned from it)"
    assert describe_init(str(tmp_path / "grader-vit-v1")) == expected
    assert describe_init(str(tmp_path / "grader-vit-v1" / "model.pt")) == expected


def test_an_init_its_manifest_does_not_vouch_for_is_named_by_path_and_sha(tmp_path):
    # model.pt replaced after the manifest was written: the manifest's name and version would be a lie
    _shipped(tmp_path / "m", b"new weights", vouched_sha="0" * 64)
    sha = hashlib.sha256(b"new weights").hexdigest()
    assert describe_init(str(tmp_path / "m")) == f"{tmp_path / 'm' / 'model.pt'} (sha256 {sha[:16]}...)"
    assert describe_init(None) is None
    # a manifest that vouches for the file but names no version does not make one up
    _shipped(tmp_path / "n", b"weights", vouched_sha=None)
    with open(tmp_path / "n" / "model.json") as f:
        manifest = json.load(f)
    del manifest["version"]
    with open(tmp_path / "n" / "model.json", "w") as f:
        json.dump(manifest, f)
    assert describe_init(str(tmp_path / "n")).endswith(f"(sha256 {hashlib.sha256(b'weights').hexdigest()[:16]}...)")


def test_the_manifest_record_names_packages_as_the_repository_does_even_for_an_older_run():
    older = {"init": "grader-vit-v1 4.0.1 (model.pt sha256 ed89698fd30e09a2...; fine-tuned from it)", "steps": 10,
             "extra_train_packages": [{"package": os.path.join(REPO_ROOT, "models/training/data/realmix-v4"),
                                       "fingerprint": "abc", "counts": {"items": 2}}],
             "history": [{"step": 10}]}
    record = training_record(older)
    assert record["extra_train_packages"] == [{"package": "models/training/data/realmix-v4", "fingerprint": "abc",
                                               "counts": {"items": 2}}]
    assert record["init"] == older["init"] and record["steps"] == 10
    assert "history" not in record   # the loss curve stays in the checkpoint, not in the manifest
    assert training_record({})["extra_train_packages"] is None
    assert training_record({"init": os.path.join(REPO_ROOT, "models/training/runs/v9/final.pt")})["init"] \
        == "models/training/runs/v9/final.pt"
