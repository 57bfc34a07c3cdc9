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


def test_an_overruled_items_confidence_is_the_grade_heads_for_its_grade_and_is_prefilled_only_if_that_is_high():
    """ADR 0054: the station's item confidence is the grade head's mean probability of the suggested grade; an item
    the damage overruled used to carry its best region's score (>= the confident-damage score), which passed any
    prefill cut-off fitted on grade-head probabilities."""
    from item_rule import station_suggestions
    from station_prefill_study import item_familiar, prefill_counts
    overruled = _item("LikeNew", "LikeNew", [("dent", 0.99)])      # head LikeNew 0.6, a sure dent implies Good (0.1)
    plain = _item("LikeNew", "LikeNew", [("dent", 0.5)])           # the dent too unsure to count
    rows = station_suggestions([overruled, plain], 0.98)
    assert [(GRADES[r[1]], round(r[2], 3), r[3], r[4]) for r in rows] == [("Good", 0.1, 0.99, True),
                                                                          ("LikeNew", 0.6, 0.6, False)]
    familiar = [True, True]
    now = prefill_counts(rows, familiar, cut=0.55)
    before = prefill_counts(rows, familiar, cut=0.55, before=True)
    assert (now["prefilled"], now["prefilled_wrong"], now["overruled_prefilled"]) == (1, 0, 0)
    assert (before["prefilled"], before["prefilled_wrong"], before["overruled_prefilled_wrong"]) == (2, 1, 1)
    # an item with an unfamiliar photo is never prefilled; no cut-off prefills every familiar item
    assert prefill_counts(rows, [False, True], cut=None)["prefilled"] == 1
    scores = np.array([0.0, -1.0, 0.0, 0.0])
    metas = [{"item_id": i} for i in ("a", "a", "b", "b")]
    assert item_familiar(scores, metas, threshold=-0.5) == [False, True]
    assert item_familiar(None, metas, threshold=-0.5) == [True, True]


def test_a_per_item_cut_off_is_adr_0017s_rule_on_items():
    """station_prefill_study.py --per-item-fit-on: the lowest item confidence at which at most 10 % of the familiar items
    prefilled are wrong (reported only)."""
    from station_prefill_study import per_item_cut_off
    # (truth, suggested, confidence, confidence before ADR 0054, overruled): nine right above 0.6, one wrong at 0.55,
    # one wrong at 0.9 (so 1 wrong in the top 10 items at >= 0.6, 2 in 11 at >= 0.55)
    rows = [(0, 0, 0.95 - 0.03 * i, 0.0, False) for i in range(9)] + [(1, 0, 0.9, 0.0, False), (1, 0, 0.55, 0.0, False)]
    assert abs(per_item_cut_off(rows, [True] * len(rows)) - 0.71) < 1e-9
    # the wrong item at 0.9 unfamiliar: not counted, so every familiar item down to the wrong one at 0.55 may be prefilled
    assert abs(per_item_cut_off(rows, [True] * 9 + [False, True]) - 0.55) < 1e-9
    assert per_item_cut_off([], []) == 1.0                               # no familiar item: nothing prefilled
