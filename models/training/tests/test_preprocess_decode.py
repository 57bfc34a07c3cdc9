"""preprocess_image's shrink-on-load: a big JPEG decodes at 1/8 yet gives (almost) the pixels of a full decode, and
photos of the training size decode exactly as they did under the old 2x rule (so caches and models stay valid)."""
import io

import numpy as np
from PIL import Image

from dataset import MIN_DECODED_FACTOR, preprocess_image


def _jpeg(width: int, height: int, seed: int = 0) -> bytes:
    rng = np.random.default_rng(seed)
    # smooth colour field + a few sharp-edged blocks: detail at several scales, like an item on a background
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    arr = np.stack([128 + 100 * np.sin(xx / 97 + c) * np.cos(yy / 131 - c) for c in range(3)], -1)
    for _ in range(12):
        x0, y0 = int(rng.integers(0, width - 400)), int(rng.integers(0, height - 400))
        arr[y0:y0 + int(rng.integers(40, 400)), x0:x0 + int(rng.integers(40, 400))] = rng.integers(0, 256, 3)
    buf = io.BytesIO()
    Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8)).save(buf, format="JPEG", quality=90)
    return buf.getvalue()


def _full_decode(data: bytes, size: int) -> np.ndarray:
    im = Image.open(io.BytesIO(data)).convert("RGB").resize((size, size), Image.BILINEAR)
    return np.asarray(im, dtype=np.float32)


def test_a_12_megapixel_photo_decodes_at_one_eighth_and_matches_a_full_decode():
    data = _jpeg(4032, 3024)
    im = Image.open(io.BytesIO(data))
    im.draft("RGB", (int(np.ceil(MIN_DECODED_FACTOR * 192)),) * 2)
    assert im.size == (504, 378)  # 1/8: the factor is what lets the 12 MP photo skip 3/4 of the decoding
    fast = preprocess_image(data, 192).astype(np.float32)
    # DCT scaling is a block average, so the shrunk decode is an antialiased picture (0.22 levels apart on average here)
    assert np.abs(fast - _full_decode(data, 192)).mean() < 0.75


def test_training_sized_photos_decode_as_under_the_2x_rule():
    for width, height in [(1024, 768), (768, 1024), (896, 896), (1536, 2048)]:
        data = _jpeg(width, height, seed=width)
        assert np.array_equal(preprocess_image(data, 192), preprocess_image(data, 192, 2.0)), (width, height)
