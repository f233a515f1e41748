"""Figures the reports state, computed from a :class:`ReportData`.

Pure functions over the DataFrames: the province's summary, the most common problems, good
practices, the aspect comparison, and for one site the points it can recover per item (the
rectification list). Nothing here formats text; templates do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from reports.data import CRITERIA, ReportData

__all__ = [
    "pass_mark",
    "province_summary",
    "common_problems",
    "good_practices",
    "aspect_comparison",
    "rectification",
    "Rectification",
    "status_counts",
    "failures_by_status",
]

NOT_SCORED = ("not_applicable", "not_assessable", "incomplete_observation", "nothing_to_publish")


def pass_mark(data: ReportData) -> float:
    """The lowest passing score: the minimum of the lowest grade band above the last one."""
    bands = data.rubric.grade_bands
    return bands[-2].min_score if len(bands) > 1 else bands[-1].min_score


def _item_rows(data: ReportData, site_id: str | None = None) -> pd.DataFrame:
    rows = data.item_scores[data.item_scores["criterion"] == "item"]
    if site_id is not None:
        rows = rows[rows["site_id"] == site_id]
    return rows


def province_summary(data: ReportData) -> dict[str, Any]:
    """Counts and statistics of the province: cities, ranked cities, mean/median/min/max total,
    sites per grade (in band order), and the previous round's mean when there is one."""
    ranked = data.ranking.dropna(subset=["total"])
    totals = ranked["total"]
    grades = [band.name for band in data.rubric.grade_bands]
    summary: dict[str, Any] = {
        "cities": len(data.ranking),
        "ranked": len(ranked),
        "mean": float(totals.mean()) if len(totals) else None,
        "median": float(totals.median()) if len(totals) else None,
        "best": ranked.iloc[0].to_dict() if len(ranked) else None,
        "worst": ranked.iloc[-1].to_dict() if len(ranked) else None,
        "grades": [(g, int((ranked["grade"] == g).sum())) for g in grades],
        "previous_mean": None,
        "improved": None,
        "declined": None,
    }
    if data.previous is not None and "change" in data.ranking:
        summary["previous_mean"] = float(data.previous["total"].mean())
        change = data.ranking["change"].dropna()
        summary["improved"] = int((change > 0.05).sum())
        summary["declined"] = int((change < -0.05).sum())
    return summary


def common_problems(data: ReportData, limit: int = 10) -> list[dict[str, Any]]:
    """Items most often failed (scored below the pass mark), most frequent first.

    Each entry: ``item`` (catalogue Item), ``failed`` (cities), ``scored`` (cities scored),
    ``mean`` (mean item score), ``weakest`` (the criterion with the lowest mean).
    """
    mark = pass_mark(data)
    rows = _item_rows(data)
    scored = rows[rows["status"] == "scored"]
    criteria = data.item_scores[
        data.item_scores["criterion"].isin(CRITERIA) & (data.item_scores["status"] == "scored")
    ]
    crit_means = criteria.groupby(["item_id", "criterion"])["value"].mean()
    problems = []
    for item in data.catalogue.items:
        of_item = scored[scored["item_id"] == item.id]
        if of_item.empty:
            continue
        failed = int((of_item["value"] < mark - 1e-9).sum())
        if failed == 0:
            continue
        means = {c: crit_means.get((item.id, c)) for c in CRITERIA}
        means = {c: v for c, v in means.items() if v is not None and not pd.isna(v)}
        problems.append(
            {
                "item": item,
                "failed": failed,
                "scored": len(of_item),
                "mean": float(of_item["value"].mean()),
                "weakest": min(means, key=means.__getitem__) if means else None,
            }
        )
    problems.sort(key=lambda p: (-p["failed"], p["mean"]))
    return problems[:limit]


def good_practices(data: ReportData, top: int = 3) -> list[dict[str, Any]]:
    """The best-scoring cities of each aspect: ``aspect`` and ``leaders`` [(name, score)]."""
    result = []
    for aspect in data.catalogue.aspects:
        column = data.ranking[["name", aspect.id]].dropna()
        column = column.sort_values(aspect.id, ascending=False, kind="stable").head(top)
        leaders = [(str(r["name"]), float(r[aspect.id])) for _, r in column.iterrows()]
        if leaders:
            result.append({"aspect": aspect, "leaders": leaders})
    return result


def aspect_comparison(data: ReportData) -> list[dict[str, Any]]:
    """Per aspect: weight, province mean, best and lowest city with their scores."""
    result = []
    for aspect in data.catalogue.aspects:
        column = data.ranking[["name", aspect.id]].dropna()
        if column.empty:
            result.append({"aspect": aspect, "weight": data.rubric.aspect_weights.get(aspect.id),
                           "mean": None, "best": None, "worst": None})
            continue
        best = column.loc[column[aspect.id].idxmax()]
        worst = column.loc[column[aspect.id].idxmin()]
        result.append(
            {
                "aspect": aspect,
                "weight": data.rubric.aspect_weights.get(aspect.id),
                "mean": float(column[aspect.id].mean()),
                "best": (str(best["name"]), float(best[aspect.id])),
                "worst": (str(worst["name"]), float(worst[aspect.id])),
            }
        )
    return result


@dataclass(frozen=True)
class Rectification:
    """One item of a site's rectification list.

    ``points`` = total points the site gains when the item reaches 100 (with the other items
    unchanged); ``criteria`` lists (criterion, value, points of the item score recoverable).
    """

    item_id: str
    aspect_id: str
    score: float
    points: float
    criteria: list[tuple[str, float, float]] = field(default_factory=list)


def rectification(data: ReportData, site_id: str) -> list[Rectification]:
    """The site's scored items below 100, ordered by total points recoverable (most first).

    Points follow docs/scoring.md: total = Σ A·S_a / ΣA over aspects with a score and
    S_a = Σ w·s / Σw over the aspect's scored items, so raising item i of aspect a to 100 adds
    A_a/ΣA × w_i/Σw_a × (100 − s_i).
    """
    rubric = data.rubric
    rows = data.item_scores[data.item_scores["site_id"] == site_id]
    items = rows[(rows["criterion"] == "item") & (rows["status"] == "scored")]
    items = items.dropna(subset=["value"])
    if items.empty:
        return []
    aspect_ids = set(items["aspect_id"])
    aspect_total = sum(rubric.aspect_weights.get(a, 0.0) for a in aspect_ids)
    item_weight_sum = items.groupby("aspect_id")["item_id"].apply(
        lambda ids: sum(rubric.item_weights.get(i, 1.0) for i in ids)
    )
    crit = rows[rows["criterion"].isin(CRITERIA)].set_index(["item_id", "criterion"])["value"]
    result = []
    for rec in items.itertuples(index=False):
        if rec.value >= 100 - 1e-9 or aspect_total <= 0:
            continue
        share = (rubric.aspect_weights.get(rec.aspect_id, 0.0) / aspect_total) * (
            rubric.item_weights.get(rec.item_id, 1.0) / item_weight_sum[rec.aspect_id]
        )
        weights = rubric.weights_for(rec.item_id).as_dict()
        present = {
            c: float(crit[(rec.item_id, c)])
            for c in CRITERIA
            if (rec.item_id, c) in crit.index and not pd.isna(crit[(rec.item_id, c)])
        }
        weight_sum = sum(weights[c] for c in present) or 1.0
        criteria = [
            (c, v, weights[c] / weight_sum * (100 - v)) for c, v in present.items() if v < 100 - 1e-9
        ]
        criteria.sort(key=lambda t: -t[2])
        result.append(
            Rectification(
                item_id=rec.item_id,
                aspect_id=rec.aspect_id,
                score=float(rec.value),
                points=share * (100 - float(rec.value)),
                criteria=criteria,
            )
        )
    result.sort(key=lambda r: (-r.points, r.item_id))
    return result


def status_counts(data: ReportData) -> list[dict[str, Any]]:
    """Per item, how many sites are in each status that is not ``scored``."""
    rows = _item_rows(data)
    counts = rows.groupby(["item_id", "status"]).size()
    result = []
    for item in data.catalogue.items:
        per = {s: int(counts.get((item.id, s), 0)) for s in NOT_SCORED}
        if any(per.values()):
            result.append({"item": item, **per})
    return result


def failures_by_status(data: ReportData) -> list[tuple[str, int]]:
    """Failed fetches of the round, counted by status, most frequent first."""
    if data.failures.empty:
        return []
    counts = data.failures.groupby("status").size().sort_values(ascending=False, kind="stable")
    return [(str(s), int(n)) for s, n in counts.items()]
