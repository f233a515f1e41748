"""Status of a (site, item) pair and the item's columns (docs/scoring.md "Status").

Order: not_applicable → not_assessable → incomplete_observation → nothing_to_publish → scored.
"""

from __future__ import annotations

from typing import Any

from rubrics.model import Item, Rubric

from evaluator.classify import CompiledCatalogue, column_alias_matches
from evaluator.scoring.findings import finding
from evaluator.scoring.inputs import Column, SiteInputs, settings

__all__ = ["site_item_columns", "failed_pages", "root_failures", "decide_status"]


def _norm(url: str | None) -> str:
    return (url or "").strip().rstrip("/")


def site_item_columns(site: Any, inputs: SiteInputs, cc: CompiledCatalogue) -> dict[str, list[Column]]:
    """Columns of each item on a site: named by the site's column map, or standing for the
    item by its column aliases (:func:`evaluator.classify.column_alias_matches`)."""
    out: dict[str, list[Column]] = {}
    column_map = site.column_map or {}
    missing = set(settings()["missing_statuses"])
    for col in inputs.columns:
        if col.status in missing:
            continue  # a dead link: no findable column
        ids: list[str] = []
        for key in (col.url, col.path, col.name):
            if key in column_map:
                ids = [i for i in column_map[key] if i in cc.item_ids]
                if ids:
                    break
        if not ids:
            ids = [r.item_id for r, _ in column_alias_matches(cc, col.name)]
        for item_id in ids:
            out.setdefault(item_id, []).append(col)
    return out


def failed_pages(columns: list[Column], inputs: SiteInputs) -> list[tuple[str, str]]:
    """(url, status) of the list pages of ``columns`` that could not be observed."""
    ok = set(settings()["column_observed_statuses"]) | set(settings()["missing_statuses"])
    urls = {_norm(c.url) for c in columns}
    out = {(c.url, c.status) for c in columns if c.status not in ok}
    out |= {(f.url, f.status) for f in inputs.failures
            if f.status not in ok and (_norm(f.column_url) in urls or _norm(f.url) in urls)}
    return sorted(out)


def root_failures(site: Any, inputs: SiteInputs) -> list[tuple[str, str]]:
    """Failures of the site's 政府信息公开 root: base URL, entry points, top-level columns.

    A site of which no page at all was observed in the round counts as a failed root.
    """
    if not inputs.observed_any:
        return [(site.base_url, "not_observed")]
    roots = {_norm(site.base_url), *(_norm(u) for u in site.entry_points)}
    top = [c for c in inputs.columns if not c.parent_url]
    roots |= {_norm(c.url) for c in top}
    ok = set(settings()["column_observed_statuses"]) | set(settings()["missing_statuses"])
    out = {(c.url, c.status) for c in top if c.status not in ok}
    out |= {(f.url, f.status) for f in inputs.failures if f.status not in ok and _norm(f.url) in roots}
    return sorted(out)


def decide_status(
    item: Item,
    site: Any,
    inputs: SiteInputs,
    columns: list[Column],
    has_docs: bool,
    rubric: Rubric,
) -> tuple[str, list[dict[str, Any]]]:
    """The pair's status and, unless ``scored``, the finding that states why."""
    if item.id in site.not_applicable:
        return "not_applicable", [finding("status.not_applicable")]
    if not item.observable:
        return "not_assessable", [finding("status.not_assessable")]
    if not has_docs:
        failures = failed_pages(columns, inputs) + root_failures(site, inputs)
        if failures:
            more = len(failures) > 5
            pages = {
                "zh": "、".join(f"{url}（{status}）" for url, status in failures[:5]) + (f" 等{len(failures)}个" if more else ""),
                "en": ", ".join(f"{url} ({status})" for url, status in failures[:5]) + (f" and {len(failures) - 5} more" if more else ""),
            }
            evid = [{"url": url, "title": "", "publish_date": None, "formation_date": None, "lag_workdays": None,
                     "fetched_at": None, "warc_record_id": None, "sha256": None, "fetch_status": status}
                    for url, status in failures]
            return "incomplete_observation", [finding("status.incomplete_observation", evid, pages=pages)]
        if item.event_driven and columns and not rubric.event_driven_empty_is_failure:
            names = "、".join(sorted({c.path or c.name for c in columns})[:5])
            return "nothing_to_publish", [finding("status.nothing_to_publish", columns=names)]
    return "scored", []
