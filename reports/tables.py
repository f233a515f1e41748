"""Tabular exports: ``scores.xlsx`` (openpyxl), ``scores.csv`` and ``scores.json``.

- XLSX: sheets ranking, all scores, findings, evidence, overrides and fetch failures, with
  frozen header rows, filters, one-decimal number formats and localised headers.
- CSV and JSON: every score with its findings, in the scoring engine's own format (one row
  per site, item and criterion; nested sites → items → criteria), rebuilt from the store.

Crawled text is untrusted here too: XLSX cells are typed as strings, so they never become
formulas whatever they start with, and characters XML forbids are removed.
"""

from __future__ import annotations

import math
import os
import tempfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from evaluator.scoring.engine import CriterionScore, ItemScore, ScoreResult, SiteScore, write_scores_files
from reports.data import ReportData
from reports.i18n import Labels

__all__ = ["scores_frame", "score_result", "write_scores", "write_xlsx", "SCORE_COLUMNS"]

SCORE_COLUMNS = [
    "round", "site_id", "city", "region", "aspect_id", "aspect", "item_id", "item",
    "criterion", "status", "original", "value", "overridden", "override_reason",
    "override_author",
]
_SCORE_FIELDS = {"original", "value", "total", "previous_total", "change"}


def scores_frame(data: ReportData) -> pd.DataFrame:
    """Every score of the round as one long table (columns :data:`SCORE_COLUMNS`)."""
    frame = data.item_scores.copy()
    frame["round"] = data.round
    frame["city"] = frame["site_id"].map(data.site_name)
    frame["region"] = frame["site_id"].map(lambda s: data.sites.at[s, "region"] if s in data.sites.index else "")
    aspects = {a.id: a.name for a in data.catalogue.aspects}
    items = {i.id: i.name for i in data.catalogue.items}
    frame["aspect"] = frame["aspect_id"].map(aspects)
    frame["item"] = frame["item_id"].map(items)
    rank = {site_id: n for n, site_id in enumerate(data.site_ids)}
    frame = frame.assign(_r=frame["site_id"].map(rank)).sort_values("_r", kind="stable")
    return frame[SCORE_COLUMNS].reset_index(drop=True)


def _json_value(value: Any) -> Any:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: _json_value(v) for k, v in rec.items()} for rec in frame.to_dict("records")]


def _stored_findings(raw: list[Any]) -> list[dict[str, Any]]:
    """Findings as the scoring engine writes them; anything malformed is dropped."""
    out = []
    for finding in raw:
        if isinstance(finding, dict) and isinstance(finding.get("text"), str):
            evidence = finding.get("evidence")
            out.append({**finding, "evidence": [e for e in evidence or [] if isinstance(e, dict)]})
    return out


def score_result(data: ReportData) -> ScoreResult:
    """The round as the scoring engine's :class:`ScoreResult`, rebuilt from the store."""
    items = []
    order = {site_id: n for n, site_id in enumerate(data.site_ids)}
    scores = data.item_scores.assign(_r=data.item_scores["site_id"].map(order))
    scores = scores.sort_values("_r", kind="stable")
    for (site_id, item_id), group in scores.groupby(["site_id", "item_id"], sort=False):
        criteria = {}
        for rec in group.to_dict("records"):
            overridden = bool(rec["overridden"])
            criteria[rec["criterion"]] = CriterionScore(
                _json_value(rec["value"]),
                _stored_findings(rec["findings"]),
                _json_value(rec["original"]) if overridden else None,
                overridden,
                rec["override_reason"] or None,
                rec["override_author"] or None,
            )
        first = group.iloc[0]
        items.append(ItemScore(site_id, item_id, first["aspect_id"], first["status"], criteria))
    aspect_ids = [x.id for x in data.catalogue.aspects]
    sites = [
        SiteScore(
            site_id=row["site_id"], name=row["name"], region=row["region"],
            aspects={a: row[a] for a in aspect_ids}, total=row["total"], grade=row["grade"], rank=row["rank"],
        )
        for row in _records(data.ranking)
    ]
    return ScoreResult(data.assessment.name, data.round, data.catalogue, data.rubric, items, sites)


def write_scores(data: ReportData, out_dir: Path, formats: tuple[str, ...] = ("csv", "json")) -> list[Path]:
    """Write ``scores.csv`` and/or ``scores.json`` into ``out_dir``.

    The files have exactly the format ``evaluator score`` writes
    (:func:`evaluator.scoring.engine.write_scores_files`), rebuilt from the store, so a
    report run and a scoring run never leave two different files under one name.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out_dir) as tmp:
        csv_path, json_path = write_scores_files(score_result(data), tmp)
        written = []
        for fmt, path in (("csv", csv_path), ("json", json_path)):
            if fmt in formats:
                target = out_dir / path.name
                os.replace(path, target)
                written.append(target)
    return written


# -- XLSX ------------------------------------------------------------------------------------
_HEADER_FILL = PatternFill("solid", fgColor="E8EEF5")


def _xlsx_value(value: Any) -> Any:
    value = _json_value(value)
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def _sheet(
    wb: Workbook,
    title: str,
    headers: list[str],
    fields: list[str],
    rows: list[dict[str, Any]],
    numeric: frozenset[str] = frozenset(_SCORE_FIELDS),
) -> None:
    """Append a sheet: bold filled header, string-typed text, ``0.0`` for ``numeric`` fields,
    frozen header row, an auto-filter over the table and widths fitted to the content."""
    ws = wb.create_sheet(title=title[:31])
    ws.append(headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(vertical="top", wrap_text=True)
    for rec in rows:
        ws.append([None] * len(fields))
        for col, name in enumerate(fields, 1):
            cell = ws.cell(row=ws.max_row, column=col)
            value = _xlsx_value(rec.get(name))
            cell.value = value
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula, whatever the text starts with
            elif isinstance(value, float) and name in numeric:
                cell.number_format = "0.0"
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(fields))}{max(ws.max_row, 1)}"
    for col, name in enumerate(fields, 1):
        longest = max([len(str(headers[col - 1]))] + [len(str(r.get(name) or "")) for r in rows[:200]])
        ws.column_dimensions[get_column_letter(col)].width = min(max(8, longest * 1.3 + 2), 60)


def write_xlsx(data: ReportData, path: Path, L: Labels) -> Path:
    """Write ranking, all scores, findings, evidence, overrides and failures to ``path``."""
    wb = Workbook()
    wb.remove(wb.active)
    aspects = data.catalogue.aspects
    ranking_fields = ["rank", "site_id", "name", "region", "total", *[x.id for x in aspects], "grade"]
    ranking_headers = [L.rank, L.col_site_id, L.city, L.col_region, L.total, *[x.name for x in aspects], L.grade]
    if data.previous is not None:
        ranking_fields += ["previous_total", "previous_rank", "change"]
        ranking_headers += [L.previous_round, L.previous_rank, L.change_vs_previous]
    ranking = _records(data.ranking)
    _sheet(wb, L.sheet_ranking, ranking_headers, ranking_fields, ranking,
           numeric=frozenset(_SCORE_FIELDS | {x.id for x in aspects}))

    score_headers = [L.round, L.col_site_id, L.city, L.col_region, L.col_aspect_id, L.aspect,
                     L.col_item_id, L.item, L.criterion, L.status, L.original, L.col_value,
                     L.col_overridden, L.reason, L.author]
    _sheet(wb, L.sheet_scores, score_headers, SCORE_COLUMNS, _records(scores_frame(data)))

    names = {site_id: data.site_name(site_id) for site_id in data.site_ids}
    items = {i.id: i.name for i in data.catalogue.items}
    findings = _records(data.findings.assign(
        city=data.findings["site_id"].map(names), item=data.findings["item_id"].map(items)))
    _sheet(wb, L.sheet_findings,
           [L.col_site_id, L.city, L.col_item_id, L.item, L.criterion, L.col_finding_no, L.col_text],
           ["site_id", "city", "item_id", "item", "criterion", "finding_no", "text"], findings)
    evidence = _records(data.evidence.assign(city=data.evidence["site_id"].map(names)))
    _sheet(wb, L.sheet_evidence,
           [L.col_site_id, L.city, L.col_item_id, L.criterion, L.col_finding_no, L.col_url, L.col_title,
            L.publish_date, L.col_formation_date, L.fetched_at, L.warc_record, L.col_sha256],
           ["site_id", "city", "item_id", "criterion", "finding_no", "url", "title", "publish_date",
            "formation_date", "fetched_at", "warc_record_id", "sha256"], evidence)
    _sheet(wb, L.sheet_overrides,
           [L.col_site_id, L.col_item_id, L.criterion, L.original, L.adjusted, L.reason, L.author, L.col_created_at],
           ["site_id", "item_id", "criterion", "original", "value", "reason", "author", "created_at"],
           _records(data.overrides))
    _sheet(wb, L.sheet_failures,
           [L.col_site_id, L.col_url, L.kind, L.fetch_status, L.col_http_status, L.col_error, L.fetched_at],
           ["site_id", "url", "kind", "status", "http_status", "error", "fetched_at"],
           _records(data.failures))
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path
