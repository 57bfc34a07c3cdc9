import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import torch  # noqa: E402

torch.set_num_threads(2)


@pytest.fixture(scope="session")
def tiny_package(tmp_path_factory):
    """A small synthetic package (folder + zip), generated once per test session."""
    from synth import generate_package
    out = str(tmp_path_factory.mktemp("pkg") / "tiny")
    generate_package(out, items=14, seed=7, workers=1, prefix="t", zip_output=True, log_every=0)
    return out
