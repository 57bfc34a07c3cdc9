"""The real-photo check's object bootstrap (check_uncertainty.py), on numbers small enough to check by hand."""
import numpy as np

from check_uncertainty import base_object, figures, interval, object_resamples


def test_a_rendering_belongs_to_the_object_it_was_drawn_from():
    assert base_object("plants-flowers-flower3-r2") == "plants-flowers-flower3"
    assert base_object("plants-flowers-flower3") == "plants-flowers-flower3"
    assert base_object("food-fruit-strawberry2") == "food-fruit-strawberry2"   # a trailing digit is not a rendering


def test_every_model_is_measured_on_the_same_draws_of_whole_objects():
    objects = np.array(["a", "a", "b", "b", "c"])
    first, second = object_resamples(objects, 50, 3), object_resamples(objects, 50, 3)
    assert all(np.array_equal(x, y) for x, y in zip(first, second))
    assert all(len(draw) == 3 and set(draw) <= {"a", "b", "c"} for draw in first)
    assert any(len(set(draw)) < 3 for draw in first)   # with replacement: some draw repeats an object


def _table(pred, conf, worse, prefilled):
    k = 5
    probs = np.full((len(pred), k), 0.0)
    for i, (p, c) in enumerate(zip(pred, conf)):
        probs[i] = (1 - c) / (k - 1)
        probs[i, p] = c
    return {"probs": probs, "worse": worse, "prefilled": np.array(prefilled)}


def test_figures_read_the_photos_they_are_given_repeats_included():
    # two objects, one rendering each: a clean photo and a heavy photo per object
    truth = np.array([0, 4, 0, 4])
    variant = np.array(["clean", "heavy", "clean", "heavy"])
    t = _table(pred=[0, 4, 3, 1], conf=[0.8, 0.95, 0.95, 0.6], worse={"a": True, "b": False},
               prefilled=[True, True, True, False])
    whole = figures(t, truth, variant, np.arange(4), ["a", "b"])
    assert whole["clean_called_clean"] == 0.5
    assert whole["heavy_called_damaged"] == 0.5
    assert whole["heavy_graded_worse_than_clean"] == 0.5
    assert whole["confidently_wrong"] == 0.25               # b's clean photo: 0.95 sure, three grades off
    assert whole["wrong_prefills_per_100_photos"] == 25.0   # b's heavy photo is wrong but was not prefilled
    assert whole["quadratic_weighted_kappa"] < 1.0 and figures(
        t, truth, variant, np.array([0, 1, 0, 1]), ["a", "a"])["quadratic_weighted_kappa"] == 1.0
    twice_b = figures(t, truth, variant, np.array([2, 3, 2, 3]), ["b", "b"])
    assert twice_b["clean_called_clean"] == 0.0
    assert twice_b["heavy_graded_worse_than_clean"] == 0.0


def test_the_interval_is_the_middle_95_percent():
    assert interval(np.arange(1001) / 1000) == [0.025, 0.975]
