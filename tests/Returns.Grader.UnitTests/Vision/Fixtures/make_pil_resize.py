"""Writes pil-antialiased-resize.json: Pillow's own output for the cases AntialiasedResizeTests replays in C#.

The source pixels are a formula (both sides compute them), stored in an EXIF orientation; Pillow makes them upright
the way ImageOps.exif_transpose does and resizes with BILINEAR (antialiased), as models/training/dataset.py does.
Regenerate with:  /usr/bin/python3 tests/Returns.Grader.UnitTests/Vision/Fixtures/make_pil_resize.py
"""
import base64
import json
import os

import numpy as np
import PIL
from PIL import Image

# EXIF orientation -> the transpose that makes the stored pixels upright (ImageOps.exif_transpose's table)
UPRIGHT = {1: None, 2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
           5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
           8: Image.Transpose.ROTATE_90}


def stored_pixels(width: int, height: int) -> np.ndarray:
    """value(x, y, c) = (37x + 101y + 59c + 13·((x·y) mod 17)) mod 256 — irregular, so any misplaced tap shows."""
    y, x = np.mgrid[0:height, 0:width]
    out = np.zeros((height, width, 3), np.uint8)
    for c in range(3):
        out[..., c] = (37 * x + 101 * y + 59 * c + 13 * ((x * y) % 17)) % 256
    return out


CASES = [(37, 23, o, 11, 17) for o in range(1, 9)] + [
    (37, 23, 1, 16, 12),     # shrink both axes
    (7, 5, 1, 15, 9),        # enlarge both axes
    (20, 30, 1, 20, 12),     # width unchanged: no horizontal pass
    (20, 30, 1, 11, 30),     # height unchanged: no vertical pass
    (30, 20, 6, 20, 12),     # rotated, upright width unchanged: no horizontal pass
    (200, 150, 6, 13, 11),   # a large shrink (wide support), rotated
]


def main():
    cases = []
    for width, height, orientation, out_w, out_h in CASES:
        im = Image.fromarray(stored_pixels(width, height), "RGB")
        if UPRIGHT[orientation] is not None:
            im = im.transpose(UPRIGHT[orientation])
        resized = np.asarray(im.resize((out_w, out_h), Image.BILINEAR), np.uint8)
        cases.append({"width": width, "height": height, "orientation": orientation, "out_width": out_w,
                      "out_height": out_h, "rgb_base64": base64.b64encode(resized.tobytes()).decode()})
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pil-antialiased-resize.json")
    with open(path, "w") as fh:
        json.dump({"pillow": PIL.__version__, "cases": cases}, fh, indent=1)
        fh.write("\n")


if __name__ == "__main__":
    main()
