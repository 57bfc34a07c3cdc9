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


def export_without_item_boxes(folder, items: int = 30) -> str:
    """A package as the app's export writes it: photos of noise, every other item Good with a dent box, no item boxes.
    Small and quick, and with enough items for train and validation splits (the generated tiny package has no
    validation photos)."""
    import io

    import numpy as np
    from PIL import Image

    from package import PackageWriter
    w = PackageWriter(str(folder), source="export")
    rng = np.random.default_rng(0)
    for i in range(items):
        buf = io.BytesIO()
        Image.fromarray(rng.integers(0, 255, (120, 160, 3), dtype=np.uint8)).save(buf, "JPEG")
        w.add_item(f"ret-{i}", "Good" if i % 2 else "LikeNew",
                   [{"jpeg": buf.getvalue(), "width": 160, "height": 120,
                     "annotations": [{"type": "dent", "bbox": [40, 30, 50, 40]}] if i % 2 else []}])
    w.finish()
    return str(folder)
