"""Ground truth of the demo province: what an assessment of the generated sites must find.

For every site and catalogue item this module states, from the generator's own model and not
from anything a crawler or classifier produced: the item's documents (ids, URLs, formation and
publication dates, the lag in working days on the Chinese official calendar, the elements the
text carries, broken attachments), its columns (present, empty, blocked), its status, and the
expected coverage / timeliness / completeness / item scores, aspect scores, total, grade and
rank. The arithmetic follows docs/scoring.md and is written here a second time, independently of
``evaluator.scoring`` (which must not be imported), so the two implementations check each other.

What counts is what an assessor can *observe*: documents under a blocked (412 challenge)
column are invisible, and a formation date the page does not state (``formation_shown ==
"none"``) is unknown, so such a document cannot be shown timely.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

import chinese_calendar

from evaluator.demo.generator import DEFAULT_SEED, demo_period, generate_site
from evaluator.demo.model import DemoDocument, DemoSite
from rubrics.model import Catalogue, Item, Rubric

UrlFor = Callable[[DemoSite, DemoDocument], str]


@lru_cache(maxsize=65536)
def lag_workdays(formation: date, publication: date) -> int:
    """Working days ``d`` with ``formation < d <= publication`` (0 when publication <= formation).

    Uses ``chinese_calendar.is_workday``: 法定节假日 are not working days, 调休 weekend days are.
    """
    count = 0
    day = formation + timedelta(days=1)
    while day <= publication:
        if chinese_calendar.is_workday(day):
            count += 1
        day += timedelta(days=1)
    return count


def _renderer() -> Any:
    """The renderer module when it is importable (URLs are its business), else None."""
    try:
        from evaluator.demo import render
    except ImportError:
        return None
    return render


def _columns(site: DemoSite, start: date, end: date) -> list[dict[str, Any]]:
    render = _renderer()
    out = []
    for col in site.columns:
        docs = site.documents_in(col.key)
        out.append({
            "key": col.key,
            "name": col.name,
            "parent": col.parent_key,
            "item_ids": list(col.item_ids),
            "url": render.column_url(site, col) if render else None,
            "on_portal": col.on_portal,
            "blocked": col.blocked,
            "note": col.note,
            "documents": len(docs),
            "documents_in_period": sum(1 for d in docs if start <= d.publish_date <= end),
        })
    return out


def _doc_record(
    site: DemoSite, doc: DemoDocument, start: date, end: date, observable: bool, url_for: UrlFor | None
) -> dict[str, Any]:
    shown = doc.formation_date if doc.formation_shown != "none" else None
    return {
        "doc_id": doc.doc_id,
        "url": url_for(site, doc) if url_for else None,
        "title": doc.title,
        "column": doc.column_key,
        "on_portal": doc.on_portal,
        "publish_date": doc.publish_date.isoformat(),
        "formation_date": doc.formation_date.isoformat() if doc.formation_date else None,
        "formation_shown": doc.formation_shown,
        "lag_workdays": lag_workdays(doc.formation_date, doc.publish_date) if doc.formation_date else None,
        "observed_lag_workdays": lag_workdays(shown, doc.publish_date) if shown else None,
        "in_period": start <= doc.publish_date <= end,
        "observable": observable,
        "elements_present": list(doc.elements_present),
        "attachments": len(doc.attachments),
        "broken_attachments": sum(1 for a in doc.attachments if a.broken),
        "project": doc.project,
        "stage": doc.stage,
    }


def _time_limit_days(item: Item, rubric: Rubric) -> int | None:
    if rubric.double_publicity and item.double_publicity:
        return rubric.double_publicity_days
    return item.time_limit.days


def _periods(kind: str, first: date, last: date) -> list[tuple[date, date]]:
    """Calendar months / quarters / half-years / years lying wholly inside [first, last]."""
    months = {"month": 1, "quarter": 3, "half-year": 6, "year": 12}[kind]
    out = []
    year, month = first.year, 1
    while date(year, month, 1) <= last:
        begin = date(year, month, 1)
        nxt_month = month + months
        nxt = date(year + (nxt_month - 1) // 12, (nxt_month - 1) % 12 + 1, 1)
        if begin >= first and nxt - timedelta(days=1) <= last:
            out.append((begin, nxt - timedelta(days=1)))
        year, month = nxt.year, nxt.month
    return out


def _timeliness(item: Item, rubric: Rubric, in_period: list[DemoDocument], all_docs: list[DemoDocument],
                start: date, end: date, ref: date) -> tuple[float | None, dict[str, Any]]:
    limit = item.time_limit
    if limit.kind == "workdays_from_formation":
        days = _time_limit_days(item, rubric)
        if not in_period:
            return 0.0, {"limit_days": days, "timely": 0, "documents": 0}
        timely = 0
        for doc in in_period:
            if doc.formation_shown != "none" and doc.formation_date is not None and days is not None:
                if lag_workdays(doc.formation_date, doc.publish_date) <= days:
                    timely += 1
        return 100.0 * timely / len(in_period), {"limit_days": days, "timely": timely, "documents": len(in_period)}
    if limit.kind == "annual_deadline":
        checked, met = [], []
        for year in range(start.year, end.year + 1):
            deadline = date(year, int(limit.month or 1), int(limit.day or 1))
            if start <= deadline <= min(end, ref):
                checked.append(year)
                if any(date(year, 1, 1) <= d.publish_date <= deadline for d in all_docs):
                    met.append(year)
        if not checked:
            return None, {"years_checked": []}
        return 100.0 * len(met) / len(checked), {"years_checked": checked, "years_met": met}
    if limit.kind == "frequency":
        periods = _periods(str(limit.period), start, min(end, ref))
        if not periods:
            return None, {"periods": 0}
        met = []
        for begin, finish in periods:
            due = date(begin.year, begin.month, int(limit.day)) if limit.day else finish
            if any(begin <= d.publish_date <= min(finish, due) for d in all_docs):
                met.append(begin.isoformat())
        return 100.0 * len(met) / len(periods), {"periods": len(periods), "periods_met": met}
    return None, {"kind": limit.kind}


def _completeness(
    item: Item, rubric: Rubric, in_period: list[DemoDocument], all_docs: list[DemoDocument]
) -> tuple[float, dict[str, Any]]:
    if not in_period:
        return 0.0, {"elements": 0.0, "attachments": 0.0}
    element_ids = [e.id for e in item.elements]
    if not element_ids:
        elements = 100.0
        detail: dict[str, Any] = {}
    elif item.completeness == "per_document":
        shares = [len(set(d.elements_present) & set(element_ids)) / len(element_ids) for d in in_period]
        elements = 100.0 * sum(shares) / len(shares)
        detail = {"mean_share": sum(shares) / len(shares)}
    elif item.completeness == "across_documents":
        found = set().union(*(set(d.elements_present) for d in in_period)) & set(element_ids)
        elements = 100.0 * len(found) / len(element_ids)
        detail = {"found": sorted(found), "missing": [e for e in element_ids if e not in found]}
    else:  # stages
        projects = sorted({d.project for d in in_period if d.project})
        complete = [p for p in projects if {d.stage for d in all_docs if d.project == p} >= set(element_ids)]
        elements = 100.0 * len(complete) / len(projects) if projects else 0.0
        detail = {"projects": projects, "complete_projects": complete}
    fine = sum(1 for d in in_period if not any(a.broken for a in d.attachments))
    attachments = 100.0 * fine / len(in_period)
    weight = rubric.attachment_weight
    detail.update(elements=elements, attachments=attachments)
    return (1 - weight) * elements + weight * attachments, detail


def _item_truth(site: DemoSite, item: Item, rubric: Rubric, start: date, end: date, ref: date,
                url_for: UrlFor | None) -> dict[str, Any]:
    columns = [c for c in site.columns if item.id in c.item_ids]
    blocked_keys = {c.key for c in columns if c.blocked}
    docs = [d for d in site.documents if item.id in d.item_ids]
    observable = [d for d in docs if d.column_key not in blocked_keys]
    in_period = [d for d in observable if start <= d.publish_date <= end]
    visible_columns = [c for c in columns if not c.blocked]
    if not columns:
        column_state = "absent"
    elif blocked_keys and not visible_columns:
        column_state = "blocked"
    elif all(c.note for c in columns):
        column_state = "note_only"
    elif not docs:
        column_state = "empty"
    else:
        column_state = "partly_blocked" if blocked_keys else "present"
    record: dict[str, Any] = {
        "aspect": item.aspect,
        "columns": [c.key for c in columns],
        "column_names": [c.name for c in columns],
        "blocked_columns": sorted(blocked_keys),
        "column_state": column_state,
        "documents": [_doc_record(site, d, start, end, d in observable, url_for) for d in docs],
        "documents_in_period": len(in_period),
        "coverage": None,
        "timeliness": None,
        "completeness": None,
        "score": None,
    }
    if item.id in site.not_applicable:
        return {**record, "status": "not_applicable", "reason": "评估方案列为不适用"}
    if not item.observable:
        return {**record, "status": "not_assessable", "reason": "依申请公开且面向特定群体，网站观察无法评估"}
    if not in_period and blocked_keys:
        return {**record, "status": "incomplete_observation", "reason": "栏目被反爬验证拦截（412），无法观察"}
    if item.event_driven and visible_columns and not in_period and not rubric.event_driven_empty_is_failure:
        return {**record, "status": "nothing_to_publish", "reason": "事件驱动事项，栏目存在且本期无应公开事项"}
    coverage = 100.0 if in_period else (rubric.coverage_column_only if visible_columns else 0.0)
    timeliness, time_detail = _timeliness(item, rubric, in_period, observable, start, end, ref)
    completeness, complete_detail = _completeness(item, rubric, in_period, observable)
    weights = rubric.weights_for(item.id).as_dict()
    values = {"coverage": coverage, "timeliness": timeliness, "completeness": completeness}
    used = {k: v for k, v in values.items() if v is not None}
    total_weight = sum(weights[k] for k in used)
    score = sum(weights[k] * v for k, v in used.items()) / total_weight if total_weight else None
    return {**record, "status": "scored", "reason": "", **values, "score": score,
            "timeliness_detail": time_detail, "completeness_detail": complete_detail}


def site_truth(site: DemoSite, catalogue: Catalogue, rubric: Rubric, period: tuple[date, date],
               reference_date: date, *, url_for: UrlFor | None = None) -> dict[str, Any]:
    """The truth of one site: per-item records, aspect scores, total and grade (rank is the province's).

    ``url_for(site, doc)`` gives each document's URL as served (the renderer's); when None
    the renderer's function is used if it can be imported, else URLs are left null.
    """
    start, end = period
    render = _renderer()
    resolve = url_for or (render.url_for if render else None)
    items = {item.id: _item_truth(site, item, rubric, start, end, reference_date, resolve) for item in catalogue.items}
    aspects: dict[str, float | None] = {}
    for aspect in catalogue.aspects:
        scored = [(rubric.item_weights.get(i.id, 1.0), items[i.id]["score"]) for i in catalogue.items_of(aspect.id)
                  if items[i.id]["status"] == "scored" and items[i.id]["score"] is not None]
        weight = sum(w for w, _ in scored)
        aspects[aspect.id] = sum(w * s for w, s in scored) / weight if weight else None
    with_score = [(rubric.aspect_weights.get(a, 0.0), s) for a, s in aspects.items() if s is not None]
    weight = sum(w for w, _ in with_score)
    total = sum(w * s for w, s in with_score) / weight if weight else None
    return {
        "site_id": site.site_id,
        "name": site.name,
        "city": site.city,
        "region": site.region,
        "family": site.family,
        "encoding": site.encoding,
        "declared_charset": site.declared_charset,
        "profile": site.profile,
        "not_applicable": list(site.not_applicable),
        "documents": len(site.documents),
        "blocked_columns": sorted(c.key for c in site.columns if c.blocked),
        "portal_columns": sorted(c.key for c in site.columns if c.on_portal),
        "slow_columns": list(site.faults.slow_column_keys),
        "columns": _columns(site, start, end),
        "items": items,
        "aspects": aspects,
        "total": total,
        "grade": rubric.grade(total),
        "rank": None,
    }


def rank_sites(truths: list[dict[str, Any]]) -> None:
    """Set ``rank`` on each site truth: totals rounded to 2 decimals, descending, ties share a rank."""
    ranked = sorted((t for t in truths if t["total"] is not None), key=lambda t: (-round(t["total"], 2), t["site_id"]))
    previous, rank = None, 0
    for position, truth in enumerate(ranked, start=1):
        key = round(truth["total"], 2)
        if key != previous:
            rank, previous = position, key
        truth["rank"] = rank


def _default_catalogue_and_rubric() -> tuple[Catalogue, Rubric]:
    from rubrics.loader import load_catalogue, load_rubric

    return load_catalogue("mee-2019"), load_rubric("default")


def province_truth(seed: int, n: int = 12, *, catalogue: Catalogue | None = None, rubric: Rubric | None = None,
                   pages: int | None = None, url_for: UrlFor | None = None) -> dict[str, Any]:
    """The truth of the whole demo province: every site's truth, ranked, with the period used."""
    if catalogue is None or rubric is None:
        default_catalogue, default_rubric = _default_catalogue_and_rubric()
        catalogue = catalogue or default_catalogue
        rubric = rubric or default_rubric
    start, end, ref, round_id = demo_period()
    sites = [site_truth(generate_site(seed, i, pages=pages), catalogue, rubric, (start, end), ref, url_for=url_for)
             for i in range(1, n + 1)]
    rank_sites(sites)
    return {
        "seed": seed,
        "sites_count": n,
        "pages": pages,
        "catalogue": catalogue.id,
        "rubric": rubric.id,
        "round": round_id,
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "reference_date": ref.isoformat(),
        "ranking": [{"rank": s["rank"], "site_id": s["site_id"], "name": s["name"], "profile": s["profile"],
                     "total": s["total"], "grade": s["grade"]}
                    for s in sorted(sites, key=lambda s: (s["rank"] is None, s["rank"] or 0, s["site_id"]))],
        "sites": sites,
    }


def write_truth(directory: str | Path, seed: int = DEFAULT_SEED, n: int = 12, **options: Any) -> Path:
    """Write ``truth.json`` (sorted keys, UTF-8, stable across runs) into ``directory``; return its path."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "truth.json"
    data = province_truth(seed, n, **options)
    path.write_text(json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1) + "\n", encoding="utf-8")
    return path
