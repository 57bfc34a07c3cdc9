"""An item's suggestion from its photos, the way the station combines them (Suggestions.ForItem in the app), and
the choice of the one number that rule needs: how sure a damage region must be before the grade it implies may
overrule the grade head.

Rule: grade probabilities averaged over the item's photos; the rubric grade implied by the regions scored at least
``confident_damage_score`` (each type counted as often as it was found on the photo that shows most of it, so a
dent seen from two sides counts once) wins when it is worse. The score is chosen on the validation split and
shipped in model.json (``item_rule``); ``None`` means the rule is off because no score beat the grade head alone.
"""
from __future__ import annotations

import numpy as np

from metrics import confusion, quadratic_weighted_kappa, softmax
from regions import regions_from_probs
from rubric import GRADES, grade_from_damage

ITEM_RULE_SCORES = [0.6, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995]


def item_views(logits, probs, metas, grades, temperature: float, thresholds, min_cells, grid: int) -> list:
    """Per item: (true grade index, grade probabilities averaged over its photos, each photo's regions)."""
    p = softmax(logits, temperature)
    by_item: dict[str, list[int]] = {}
    for i, m in enumerate(metas):
        by_item.setdefault(m["item_id"], []).append(i)
    return [(int(grades[idx[0]]), p[idx].mean(0),
             [regions_from_probs(probs[i], grid, grid, metas[i]["width"], metas[i]["height"], thresholds, min_cells)
              for i in idx])
            for idx in by_item.values()]


def station_suggestions(items: list, confident_score: float | None) -> list:
    """Per item, what the station's rule (Suggestions.ForItem in the app) suggests: (true grade, suggested grade, its
    confidence, the confidence it had before ADR 0054, overruled). The averaged grade head decides, unless the rubric
    grade implied by the regions scored >= confident_score (each type counted as often as it was found on the photo that
    shows most of it; None: never) is worse, which then wins ("overruled"). The confidence is the
    grade head's mean probability of the suggested grade; before ADR 0054 an overruled item carried its best confident
    region's score instead."""
    out = []
    for grade, mean, photos in items:
        head = int(mean.argmax())
        implied, top = 0, 0.0
        if confident_score is not None:
            most: dict[str, int] = {}
            for regs in photos:
                seen: dict[str, int] = {}
                for r in regs:
                    if r["score"] >= confident_score:
                        seen[r["type"]] = seen.get(r["type"], 0) + 1
                        top = max(top, float(r["score"]))
                for t, c in seen.items():
                    most[t] = max(most.get(t, 0), c)
            implied = GRADES.index(grade_from_damage([t for t, c in most.items() for _ in range(c)]))
        overruled = implied > head
        suggested = max(head, implied)
        out.append((grade, suggested, float(mean[suggested]), top if overruled else float(mean[head]), overruled))
    return out


def item_grades(items: list, confident_score: float | None):
    """The station's rule (station_suggestions) as (truth, predicted) index arrays."""
    rows = station_suggestions(items, confident_score)
    return np.array([r[0] for r in rows]), np.array([r[1] for r in rows])


def choose_item_rule(items: list) -> float | None:
    """The confident-damage score for the station's rule that grades the validation items best; None (rule off) when
    no score beats the averaged grade head alone. Ties go to the higher (more cautious) score."""
    truth, head = item_grades(items, None)
    best, best_acc = None, float((head == truth).mean())
    for score in ITEM_RULE_SCORES:
        t, pred = item_grades(items, score)
        acc = float((pred == t).mean())
        if acc > best_acc or (acc == best_acc and best is not None):
            best, best_acc = score, acc
    return best


def item_metrics(items: list, confident_score: float | None) -> dict:
    """Per-item grade metrics: the averaged grade head alone, and the station's rule at confident_score."""
    k = len(GRADES)
    out = {"items": len(items), "confident_damage_score": confident_score}
    rules = [("grade_head_mean", None)] + ([("station_rule", confident_score)] if confident_score is not None else [])
    for name, score in rules:
        truth, pred = item_grades(items, score)
        out[name] = {"accuracy": float((pred == truth).mean()),
                     "quadratic_weighted_kappa": quadratic_weighted_kappa(truth, pred, k),
                     "within_one_grade": float((np.abs(pred - truth) <= 1).mean()),
                     "confusion": confusion(truth, pred, k).tolist()}
    out["accuracy_by_confident_damage_score"] = {
        str(sc): float(np.mean(np.equal(*item_grades(items, sc)))) for sc in ITEM_RULE_SCORES}
    return out
