"""The station's item rule, as the training code evaluates and chooses it (item_rule.py)."""
import numpy as np

from item_rule import choose_item_rule, item_grades
from rubric import GRADES


def _item(true_grade: str, head_grade: str, *photos):
    mean = np.full(len(GRADES), 0.1)
    mean[GRADES.index(head_grade)] = 0.6
    return GRADES.index(true_grade), mean, [[{"type": t, "score": s} for t, s in regs] for regs in photos]


def test_confident_damage_overrules_a_milder_head_and_counts_a_type_once_per_photo():
    # a dent seen on two photos counts once: 2 points = Good, not 4 (Acceptable)
    items = [_item("Good", "LikeNew", [("dent", 0.97)], [("dent", 0.96)])]
    truth, pred = item_grades(items, 0.95)
    assert GRADES[pred[0]] == "Good"
    truth, pred = item_grades(items, 0.98)   # not sure enough: the head's grade stays
    assert GRADES[pred[0]] == "LikeNew"
    truth, pred = item_grades(items, None)   # rule off
    assert GRADES[pred[0]] == "LikeNew"


def test_a_milder_implied_grade_never_lowers_the_heads_grade():
    items = [_item("Unsellable", "Unsellable", [("scratch", 0.99)])]
    _, pred = item_grades(items, 0.6)
    assert GRADES[pred[0]] == "Unsellable"


def test_choice_turns_the_rule_off_when_regions_would_make_items_worse():
    # the head is right on both; a confident false positive would make one of them worse at every score
    items = [_item("LikeNew", "LikeNew", [("missing_part", 0.999)]), _item("VeryGood", "VeryGood", [])]
    assert choose_item_rule(items) is None


def test_choice_picks_the_most_cautious_score_that_helps():
    items = [_item("Acceptable", "VeryGood", [("crack", 0.999)]),       # a real crack the head missed
             _item("LikeNew", "LikeNew", [("stain", 0.97)])]             # a less sure false positive
    score = choose_item_rule(items)
    assert score is not None and 0.97 < score <= 0.999
    truth, pred = item_grades(items, score)
    assert (truth == pred).all()
