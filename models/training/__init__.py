"""Returns.Grader training code (synthetic data, ViT grader, export). See README.md.

The modules import each other by plain name (``from rubric import GRADES``) so that they run as
scripts from this folder; importing the package puts this folder on ``sys.path`` for the same effect.
"""
import os as _os
import sys as _sys

_here = _os.path.dirname(_os.path.abspath(__file__))
if _here not in _sys.path:
    _sys.path.insert(0, _here)
