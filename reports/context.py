"""Template contexts of the three reports, built from a :class:`ReportData`.

Each ``*_context`` function returns the plain dict its template (``province.html.j2``,
``city.html.j2``, ``checklist.html.j2``) reads. Numbers stay numbers (templates format them);
crawled text stays plain strings (templates escape them); charts are SVG strings from
:mod:`reports.charts`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from crawlers.stats import describe_status
from evaluator import __version__
from evaluator.workdays import WorkdayCalendar
from reports import analysis, charts
from reports.data import CRITERIA, ReportData
from reports.deadlines import next_deadline
from reports.i18n import Labels

__all__ = ["province_context", "city_context", "checklist_context", "MAX_FAILURE_ROWS"]

MAX_FAILURE_ROWS = 200  # failed fetches listed in a city report (all of them are in scores.xlsx)


def _clean(value: Any) -> Any:
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and pd.isna(value):
        return None
    return value


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: _clean(v) for k, v in row.items()} for row in frame.to_dict("records")]


def _common(data: ReportData, L: Labels, issued: date, doc_title: str, subtitle: str, kicker: str,
            sections: list[tuple[str, str]]) -> dict[str, Any]:
    return {
        "L": L,
        "a": data.assessment,
        "round": data.round,
        "previous_round": data.previous_round,
        "catalogue": data.catalogue,
        "rubric": data.rubric,
        "issued": issued.isoformat(),
        "version": __version__,
        "doc_title": doc_title,
        "subtitle": subtitle,
        "kicker": kicker,
        "sections": sections,
        "grade_classes": {band.name: min(n, 3) for n, band in enumerate(data.rubric.grade_bands)},
        "aspect_names": {a.id: a.name for a in data.catalogue.aspects},
        "item_names": {i.id: i.name for i in data.catalogue.items},
    }


def _fmt(value: float | None, digits: int = 1) -> str:
    return "—" if value is None or pd.isna(value) else f"{value:.{digits}f}"


# -- provincial report ---------------------------------------------------------------------
def _headlines(data: ReportData, L: Labels, summary: dict[str, Any],
               problems: list[dict[str, Any]]) -> list[str]:
    lines = []
    if summary["best"] is not None:
        lines.append(L.fmt(
            "headline_mean", n=summary["cities"], mean=_fmt(summary["mean"]),
            best=summary["best"]["name"], best_score=_fmt(summary["best"]["total"]),
            worst=summary["worst"]["name"], worst_score=_fmt(summary["worst"]["total"]),
        ))
    grades = "，" if L.lang == "zh" else ", "
    lines.append(L.fmt("headline_grades", grades=grades.join(f"{g} {n}" for g, n in summary["grades"])))
    if summary["previous_mean"] is not None:
        lines.append(L.fmt(
            "headline_change", previous=data.previous_round, prev_mean=_fmt(summary["previous_mean"]),
            mean=_fmt(summary["mean"]), up=summary["improved"], down=summary["declined"],
        ))
    if problems:
        top = problems[0]
        lines.append(L.fmt("headline_problem", item=top["item"].name, failed=top["failed"],
                           scored=top["scored"]))
    items = data.item_scores[data.item_scores["criterion"] == "item"]
    unobserved = int(items["status"].isin(["not_assessable", "incomplete_observation"]).sum())
    if unobserved:
        lines.append(L.fmt("headline_unobserved", n=unobserved))
    return lines


def _rubric_options(data: ReportData, L: Labels) -> list[str]:
    rubric = data.rubric
    return [
        L.fmt("rubric_coverage_only", v=_fmt(rubric.coverage_column_only, 0)),
        L.fmt("rubric_attachment", v=_fmt(rubric.attachment_weight * 100, 0)),
        L.fmt("rubric_double_on", v=rubric.double_publicity_days)
        if rubric.double_publicity
        else L.rubric_double_off,
        L.rubric_event_fail if rubric.event_driven_empty_is_failure else L.rubric_event_ok,
    ]


def province_context(data: ReportData, L: Labels, issued: date, *, raster: bool = False) -> dict[str, Any]:
    """Context of ``province.html.j2``: summary, ranking, charts, problems, appendix.

    ``raster=True`` draws the charts as inline PNG images (for the PDF edition)."""
    a = data.assessment
    summary = analysis.province_summary(data)
    problems = analysis.common_problems(data)
    matrix = data.item_matrix()
    ranking = data.ranking
    names = [str(n) for n in ranking["name"]]
    item_labels = [f"{n}. {item.name}" for n, item in enumerate(data.catalogue.items, 1)]
    bands = [(b.name, b.min_score) for b in data.rubric.grade_bands]
    aspects = [(x.id, x.name) for x in data.catalogue.aspects]
    crawl_rows = _records(data.crawl.join(data.sites["name"]).loc[data.site_ids])
    sections = [
        ("summary", L.sec_summary), ("ranking", L.sec_ranking),
        ("distribution", L.sec_distribution), ("heatmap", L.sec_heatmap),
        ("aspects", L.sec_aspects), ("problems", L.sec_problems),
        ("practices", L.sec_practices), ("appendix", L.sec_appendix),
    ]
    context = _common(data, L, issued, a.name, L.subtitle_province, L.kicker_province, sections)
    context.update(
        summary=summary,
        method_brief=L.fmt(
            "method_brief", catalogue=data.catalogue.title, source=data.catalogue.source,
            aspects=len(data.catalogue.aspects), items=len(data.catalogue.items),
            ref=a.reference_date.isoformat(), start=a.period_start.isoformat(),
            end=a.period_end.isoformat(), rubric=data.rubric.title,
        ),
        headlines=_headlines(data, L, summary, problems),
        ranking=_records(ranking),
        charts={
            "distribution": charts.distribution_chart(
                ranking["total"].dropna().tolist(), bands, L.chart_total, L.chart_cities, raster=raster),
            "heatmaps": charts.heatmap_charts(matrix, names, item_labels, L.chart_item_score, raster=raster),
            "aspects": charts.aspect_chart(ranking, aspects, L.chart_score, L.chart_mean, raster=raster),
        },
        item_means=[{"item": item, "mean": _clean(matrix[item.id].mean())} for item in data.catalogue.items],
        aspect_rows=analysis.aspect_comparison(data),
        problems=problems,
        problems_note=L.fmt("problems_note", mark=_fmt(analysis.pass_mark(data), 0)),
        practices=analysis.good_practices(data),
        period_text=L.fmt("period_text", start=a.period_start.isoformat(),
                          end=a.period_end.isoformat(), ref=a.reference_date.isoformat()),
        rubric_options=_rubric_options(data, L),
        crawl_totals={k: int(data.crawl[k].sum()) for k in ("pages", "documents", "attachments", "failures")},
        failure_statuses=[(status, n, describe_status(status, L.lang))
                          for status, n in analysis.failures_by_status(data)],
        crawl_rows=crawl_rows,
        unobserved=analysis.status_counts(data),
    )
    return context


# -- city report ---------------------------------------------------------------------------
def _site_row(data: ReportData, site_id: str) -> dict[str, Any]:
    row = data.ranking[data.ranking["site_id"] == site_id]
    if row.empty:
        raise KeyError(site_id)
    return _records(row)[0]


def _evidence_refs(data: ReportData, site_id: str) -> tuple[list[dict[str, Any]], dict[tuple, list[str]]]:
    """Number the site's evidence E1, E2 … (one number per distinct page) and map each
    finding (item, criterion, finding_no) to its references."""
    ev = data.evidence[data.evidence["site_id"] == site_id]
    order = {item_id: n for n, item_id in enumerate(data.catalogue.item_ids)}
    crit_order = {c: n for n, c in enumerate((*CRITERIA, "item"))}
    ev = ev.assign(_o=ev["item_id"].map(order), _c=ev["criterion"].map(crit_order))
    ev = ev.sort_values(["_o", "_c", "finding_no"], kind="stable").drop(columns="_c")
    numbered: dict[tuple[str, str], str] = {}
    listing: list[dict[str, Any]] = []
    refs: dict[tuple, list[str]] = {}
    item_names = {i.id: i.name for i in data.catalogue.items}
    for rec in _records(ev.drop(columns="_o")):
        key = (rec["url"] or "", rec["warc_record_id"] or "")
        if key not in numbered:
            numbered[key] = f"E{len(numbered) + 1}"
            listing.append({**rec, "ref": numbered[key], "item_name": item_names.get(rec["item_id"], rec["item_id"])})
        finding = (rec["item_id"], rec["criterion"], rec["finding_no"])
        if numbered[key] not in refs.setdefault(finding, []):
            refs[finding].append(numbered[key])
    for found in refs.values():
        found.sort(key=lambda ref: int(ref[1:]))
    return listing, refs


def _finding_text(rec: dict[str, Any], lang: str) -> str:
    """The finding in the report's language (English when the engine wrote it)."""
    return (rec.get("text_en") or rec["text"]) if lang == "en" else rec["text"]


def _aspect_blocks(data: ReportData, site_id: str, refs: dict[tuple, list[str]],
                   site: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    scores = data.item_scores[data.item_scores["site_id"] == site_id]
    by_key = {(r["item_id"], r["criterion"]): r for r in _records(scores)}
    findings = data.findings[data.findings["site_id"] == site_id]
    crit_order = {c: n for n, c in enumerate(CRITERIA)}
    findings = findings.assign(_c=findings["criterion"].map(crit_order)).sort_values(
        ["_c", "finding_no"], kind="stable").drop(columns="_c")
    finding_map: dict[str, list[dict[str, Any]]] = {}
    seen: set[tuple[str, str]] = set()
    for rec in _records(findings):
        if rec["criterion"] == "item":
            continue  # the item score sentence repeats the table's numbers
        if (rec["item_id"], rec["text"]) in seen:
            continue  # one reason stated for every criterion (an item not scored) is shown once
        seen.add((rec["item_id"], rec["text"]))
        finding_map.setdefault(rec["item_id"], []).append(
            {**rec, "text": _finding_text(rec, lang),
             "refs": refs.get((rec["item_id"], rec["criterion"], rec["finding_no"]), [])}
        )
    blocks = []
    for aspect in data.catalogue.aspects:
        rows = []
        for item in data.catalogue.items_of(aspect.id):
            item_row = by_key.get((item.id, "item"))
            if item_row is None:
                continue
            criteria = {}
            for c in CRITERIA:
                cell = by_key.get((item.id, c)) or {"original": None, "value": None, "overridden": False}
                criteria[c] = {"original": cell["original"], "value": cell["value"],
                               "overridden": bool(cell["overridden"])}
            rows.append({
                "item": item,
                "status": item_row["status"],
                "value": item_row["value"] if item_row["status"] == "scored" else None,
                "criteria": criteria,
                "findings": finding_map.get(item.id, []),
            })
        if rows:
            blocks.append({"aspect": aspect, "value": site.get(aspect.id), "rows": rows})
    return blocks


def _unscored(data: ReportData, site_id: str) -> list[dict[str, Any]]:
    items = data.item_scores[(data.item_scores["site_id"] == site_id) & (data.item_scores["criterion"] == "item")]
    status = dict(zip(items["item_id"], items["status"]))
    return [{"item": item, "status": status[item.id]} for item in data.catalogue.items
            if status.get(item.id, "scored") != "scored"]


def city_context(data: ReportData, site_id: str, L: Labels, issued: date, *,
                 raster: bool = False) -> dict[str, Any]:
    """Context of ``city.html.j2``: scorecard, radar, items, evidence, rectification, limits.

    ``raster=True`` draws the radar chart as an inline PNG image (for the PDF edition)."""
    site = _site_row(data, site_id)
    evidence, refs = _evidence_refs(data, site_id)
    aspect_rows = []
    for aspect in data.catalogue.aspects:
        mean = _clean(data.ranking[aspect.id].mean())
        value = site.get(aspect.id)
        aspect_rows.append({
            "name": aspect.name, "weight": data.rubric.aspect_weights.get(aspect.id),
            "value": value, "mean": mean,
            "diff": None if value is None or mean is None else value - mean,
        })
    failures = data.failures[data.failures["site_id"] == site_id]
    overrides = data.overrides[data.overrides["site_id"] == site_id]
    sections = [
        ("scorecard", L.sec_scorecard), ("items", L.sec_items), ("evidence", L.sec_evidence),
        ("rectification", L.sec_rectification), ("limits", L.sec_limits),
    ]
    context = _common(data, L, issued, site["name"], L.fmt("subtitle_city", round=data.round),
                      L.kicker_city, sections)
    context.update(
        site=site,
        ranked=int(data.ranking["rank"].notna().sum()),
        aspect_rows=aspect_rows,
        charts={"radar": charts.radar_chart(
            [r["name"] for r in aspect_rows], [r["value"] for r in aspect_rows],
            [r["mean"] for r in aspect_rows], site["name"], L.chart_mean, raster=raster)},
        aspect_blocks=_aspect_blocks(data, site_id, refs, site, L.lang),
        evidence=evidence,
        rectification=analysis.rectification(data, site_id),
        failures=[{**f, "words": describe_status(str(f["status"]), L.lang)}
                  for f in _records(failures.head(MAX_FAILURE_ROWS))],
        failures_omitted=max(len(failures) - MAX_FAILURE_ROWS, 0),
        unscored=_unscored(data, site_id),
        overrides=_records(overrides),
    )
    return context


# -- self-audit checklist ------------------------------------------------------------------
def _columns_of(data: ReportData, site_id: str, item_id: str) -> list[dict[str, Any]]:
    item = data.catalogue.item(item_id)
    columns = data.columns[data.columns["site_id"] == site_id]
    mapped: set[str] = set()
    for site in data.assessment.sites:
        if site.id == site_id:
            mapped = {key for key, ids in site.column_map.items() if item_id in ids}
    aliases = [a.lower() for a in item.hints.column_aliases]
    found = []
    for rec in _records(columns):
        name = (rec["name"] or "").lower()
        if rec["url"] in mapped or rec["name"] in mapped or any(a and a in name for a in aliases):
            found.append(rec)
    return found[:3]


def _rule(L: Labels, kind: str, limit_text: str, deadline: date | None) -> str:
    if kind in ("workdays_from_formation", "workdays_from_receipt"):
        key = "rule_workdays" if deadline else "rule_uncovered"
    elif kind == "annual_deadline":
        key = "rule_annual"
    elif kind == "frequency":
        key = "rule_frequency"
    else:
        key = "rule_none"
    return L.fmt(key, limit=limit_text)


def checklist_context(data: ReportData, site_id: str, L: Labels, issued: date,
                      workdays: WorkdayCalendar) -> dict[str, Any]:
    """Context of ``checklist.html.j2``: every item below full score with what, where, when."""
    site = _site_row(data, site_id)
    ref = data.assessment.reference_date
    sep = "、" if L.lang == "zh" else ", "
    findings = data.findings[data.findings["site_id"] == site_id]
    entries = []
    for fix in analysis.rectification(data, site_id):
        item = data.catalogue.item(fix.item_id)
        elements = sep.join(e.name for e in item.elements) or item.name
        failing = {c for c, _v, _p in fix.criteria}
        todo = []
        if "coverage" in failing:
            todo.append(L.fmt("todo_coverage", item=item.name, elements=elements))
        if "timeliness" in failing:
            todo.append(L.fmt("todo_timeliness", limit=item.time_limit.text))
        if "completeness" in failing:
            todo.append(L.fmt("todo_completeness", elements=elements))
        deadline = next_deadline(item.time_limit, ref, workdays)
        entries.append({
            "item": item,
            "score": fix.score,
            "points": fix.points,
            "todo": todo,
            "findings": [_finding_text(rec, L.lang) for rec in _records(
                findings[(findings["item_id"] == item.id) & (findings["criterion"] != "item")].head(3))],
            "columns": _columns_of(data, site_id, item.id),
            "suggest_column": L.fmt("suggest_column", item=item.name),
            "deadline": deadline.isoformat() if deadline else None,
            "rule": _rule(L, item.time_limit.kind, item.time_limit.text, deadline),
        })
    not_observed = [row for row in _unscored(data, site_id)
                    if row["status"] in ("not_assessable", "incomplete_observation")]
    sections = [("checklist", L.sec_checklist)]
    if not_observed:
        sections.append(("not-observed", L.sec_not_observed))
    context = _common(data, L, issued, site["name"], L.fmt("subtitle_checklist", round=data.round),
                      L.kicker_checklist, sections)
    items = data.item_scores[(data.item_scores["site_id"] == site_id) & (data.item_scores["criterion"] == "item")]
    context.update(
        site=site,
        entries=entries,
        scored_any=bool((items["status"] == "scored").any()),
        checklist_intro=L.fmt("checklist_intro", city=site["name"], round=data.round,
                              n=len(entries), ref=ref.isoformat()),
        not_observed=not_observed,
    )
    return context
