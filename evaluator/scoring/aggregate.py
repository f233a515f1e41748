"""Item, aspect and total scores, grades and ranking (docs/scoring.md "Item, aspect and total").

All functions are pure and deterministic: the same inputs give the same outputs, in the same
order. Values are kept unrounded; only the ranking compares totals rounded to 2 decimals.
"""

from __future__ import annotations

from collections.abc import Mapping

from rubrics.model import Catalogue, CriterionWeights, Rubric

from evaluator.errors import ConfigError

__all__ = ["item_score", "aspect_scores", "total_score", "rank_sites", "check_weights"]


def item_score(values: Mapping[str, float | None], weights: CriterionWeights) -> float | None:
    """Σ wᶜ·vᶜ / Σ wᶜ over the criteria with a value; ``None`` when none has one."""
    w = weights.as_dict()
    used = [(w[c], v) for c, v in values.items() if v is not None and c in w]
    den = sum(wc for wc, _ in used)
    if not used or den <= 0:
        return None
    return sum(wc * v for wc, v in used) / den


def aspect_scores(items: Mapping[str, float | None], catalogue: Catalogue, rubric: Rubric) -> dict[str, float | None]:
    """Per aspect: the item-weighted mean of its scored items (``items``: item id → score or None)."""
    out: dict[str, float | None] = {}
    for aspect in catalogue.aspects:
        used = [
            (rubric.item_weights.get(item.id, 1.0), items[item.id])
            for item in catalogue.items_of(aspect.id)
            if items.get(item.id) is not None
        ]
        den = sum(w for w, _ in used)
        out[aspect.id] = sum(w * s for w, s in used) / den if used and den > 0 else None  # type: ignore[operator]
    return out


def total_score(aspects: Mapping[str, float | None], rubric: Rubric) -> float | None:
    """Aspect-weighted mean over aspects with a score (out of 100); ``None`` when none has one."""
    used = [(rubric.aspect_weights[a], s) for a, s in aspects.items() if s is not None]
    den = sum(w for w, _ in used)
    if not used or den <= 0:
        return None
    return sum(w * s for w, s in used) / den


def rank_sites(totals: Mapping[str, float | None]) -> list[tuple[str, int | None]]:
    """Competition ranking (1, 2, 2, 4) on totals rounded to 2 decimals.

    Returns (site id, rank) in ranking order: descending total, ties by site id, sites
    without a total last (rank ``None``) by site id.
    """
    scored = sorted(((round(v, 2), sid) for sid, v in totals.items() if v is not None), key=lambda t: (-t[0], t[1]))
    out: list[tuple[str, int | None]] = []
    previous: float | None = None
    rank = 0
    for position, (value, sid) in enumerate(scored, start=1):
        if value != previous:
            rank, previous = position, value
        out.append((sid, rank))
    out.extend((sid, None) for sid in sorted(sid for sid, v in totals.items() if v is None))
    return out


def check_weights(catalogue: Catalogue, rubric: Rubric) -> None:
    """Every aspect of the catalogue needs a weight in the rubric; weights must be >= 0."""
    where = rubric.path or f"rubric {rubric.id}"
    for aspect in catalogue.aspects:
        if aspect.id not in rubric.aspect_weights:
            raise ConfigError(
                f"no weight for the aspect {aspect.id!r} ({aspect.name}) of catalogue {catalogue.id}",
                path=where, field="aspect_weights",
                fix=f"Add {aspect.id}: <weight> under aspect_weights, or use a rubric made for this catalogue",
            )
    negative = [k for k, v in {**rubric.aspect_weights, **rubric.item_weights}.items() if v < 0]
    if negative:
        raise ConfigError(f"negative weight for {', '.join(sorted(negative))}", path=where,
                          field="aspect_weights/item_weights", fix="Use weights >= 0")
