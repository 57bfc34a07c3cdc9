"""Grading rubric v1 and the label vocabularies shared by generator, loader, model and manifest."""
from __future__ import annotations

RUBRIC_VERSION = "v1"

# Best -> worst. These exact strings are the grade labels everywhere (dataset, manifest, app).
GRADES = ["LikeNew", "VeryGood", "Good", "Acceptable", "Unsellable"]

# Damage types in category order (COCO category id = index + 1, model channel = index).
DAMAGE_TYPES = ["scratch", "stain", "dent", "tear", "crack", "missing_part"]

SEVERITY_POINTS = {"scratch": 1, "stain": 1, "dent": 2, "tear": 4, "crack": 4, "missing_part": 6}


def grade_index_from_points(points: int) -> int:
    """Rubric v1: 0 LikeNew, 1 VeryGood, 2-3 Good, 4-5 Acceptable, >=6 Unsellable."""
    if points < 0:
        raise ValueError("severity points cannot be negative")
    if points == 0:
        return 0
    if points == 1:
        return 1
    if points <= 3:
        return 2
    if points <= 5:
        return 3
    return 4


def grade_from_damage(types) -> str:
    """Grade implied by a list of damage type names (one entry per damage instance)."""
    return GRADES[grade_index_from_points(sum(SEVERITY_POINTS[t] for t in types))]


# Inclusive severity-point range of each grade (upper bound None = no limit).
GRADE_POINT_RANGES = {"LikeNew": (0, 0), "VeryGood": (1, 1), "Good": (2, 3),
                      "Acceptable": (4, 5), "Unsellable": (6, None)}
