"""Assessor review: export every criterion score to a workbook, import adjustments as overrides.

::

    export_review(assessment, store, "review.xlsx")            # one row per site × item × criterion
    import_review(assessment, store, "review.xlsx", author="张三")  # all rows or none

The workbook has a visible sheet ``评分复核`` and a hidden sheet ``meta`` naming the
assessment, round and catalogue it was exported for; a workbook exported for another
assessment or round is refused. An adjustment needs a value in 0..100 and a reason; it is
stored in the ``overrides`` table with author and time, and the next scoring uses it (the
original value stays visible beside it).
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import select

from evaluator.errors import ConfigError, StoreError
from evaluator.scoring.findings import label
from evaluator.store import schema, utcnow
from rubrics.model import Catalogue

__all__ = ["export_review", "import_review", "ImportResult", "SHEET", "META_SHEET", "HEADERS"]

SHEET = "评分复核"
META_SHEET = "meta"
FORMAT_VERSION = "1"
CRITERIA = ("coverage", "timeliness", "completeness")
# (key, header) of the review sheet, in order. The last-but-two columns are for the assessor.
HEADERS: tuple[tuple[str, str], ...] = (
    ("site_id", "站点ID"),
    ("site_name", "单位"),
    ("item_id", "事项ID"),
    ("item_name", "事项"),
    ("criterion", "指标ID"),
    ("criterion_name", "指标"),
    ("status", "状态"),
    ("value", "计算得分"),
    ("current", "现调整值"),
    ("current_reason", "现调整理由"),
    ("adjusted", "调整值"),
    ("reason", "调整理由"),
    ("findings", "发现"),
    ("evidence", "证据链接"),
)
_COL = {key: n for n, (key, _) in enumerate(HEADERS)}
_HEADER = dict(HEADERS)
_MAX_CELL = 32000  # Excel's cell limit is 32,767 characters


@dataclass(frozen=True)
class ImportResult:
    """What an import stored: the number of overrides and the workbook they came from."""

    overrides: int
    source: str


def _text(value: str) -> str:
    return value if len(value) <= _MAX_CELL else value[: _MAX_CELL - 1] + "…"


def _put(ws: Any, row: int, key: str, value: Any) -> Any:
    cell = ws.cell(row=row, column=_COL[key] + 1, value=_text(value) if isinstance(value, str) else value)
    if isinstance(value, str):
        cell.data_type = "s"  # crawled text is never a formula
    return cell


def export_review(assessment: Any, store: Any, path: str | Path, catalogue: Catalogue | None = None) -> int:
    """Write the review workbook for the assessment's round; returns the number of score rows."""
    if catalogue is None:
        from evaluator.scoring.engine import load_catalogue_for

        catalogue = load_catalogue_for(assessment)
    s = schema.scores
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(s.c.site_id, s.c.item_id, s.c.criterion, s.c.status, s.c.value, s.c.original_value,
                   s.c.override_reason, s.c.findings)
            .where(s.c.round == assessment.round, s.c.criterion.in_(CRITERIA))
        ).all()
    if not rows:
        raise StoreError(
            f"no scores for round {assessment.round!r} in the store; run `evaluator score` on the assessment first"
        )
    site_order = {site.id: n for n, site in enumerate(assessment.sites)}
    item_order = {item_id: n for n, item_id in enumerate(catalogue.item_ids)}
    rows = sorted(
        (r for r in rows if r.site_id in site_order and r.item_id in item_order),
        key=lambda r: (site_order[r.site_id], item_order[r.item_id], CRITERIA.index(r.criterion)),
    )
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    for n, (_, header) in enumerate(HEADERS, start=1):
        cell = ws.cell(row=1, column=n, value=header)
        cell.font = Font(bold=True)
    fill = PatternFill("solid", fgColor="FFF2CC")
    names = {item.id: item.name for item in catalogue.items}
    for row_no, r in enumerate(rows, start=2):
        overridden = r.original_value is not None or r.override_reason is not None
        _put(ws, row_no, "site_id", r.site_id)
        _put(ws, row_no, "site_name", assessment.site(r.site_id).name)
        _put(ws, row_no, "item_id", r.item_id)
        _put(ws, row_no, "item_name", names[r.item_id])
        _put(ws, row_no, "criterion", r.criterion)
        _put(ws, row_no, "criterion_name", label(r.criterion))
        _put(ws, row_no, "status", r.status)
        _put(ws, row_no, "value", r.original_value if overridden else r.value)
        if overridden:
            _put(ws, row_no, "current", r.value)
            _put(ws, row_no, "current_reason", r.override_reason or "")
        findings = r.findings or []
        _put(ws, row_no, "findings", "\n".join(f.get("text", "") for f in findings))
        urls = sorted({e["url"] for f in findings for e in f.get("evidence", []) if e.get("url")})
        cell = _put(ws, row_no, "evidence", "\n".join(urls))
        if urls and urls[0].startswith(("http://", "https://")):
            cell.hyperlink = urls[0]
        for key in ("adjusted", "reason"):
            ws.cell(row=row_no, column=_COL[key] + 1).fill = fill
        ws.cell(row=row_no, column=_COL["findings"] + 1).alignment = Alignment(wrap_text=True, vertical="top")
    check = DataValidation(type="decimal", operator="between", formula1="0", formula2="100", allow_blank=True,
                           error="调整值应为0到100之间的数字", errorTitle="调整值无效", showErrorMessage=True)
    ws.add_data_validation(check)
    letter = ws.cell(row=1, column=_COL["adjusted"] + 1).column_letter
    check.add(f"{letter}2:{letter}{len(rows) + 1}")
    ws.freeze_panes = "C2"
    for key, width in (("site_name", 18), ("item_name", 24), ("reason", 30), ("findings", 60), ("evidence", 40)):
        ws.column_dimensions[ws.cell(row=1, column=_COL[key] + 1).column_letter].width = width
    meta = wb.create_sheet(META_SHEET)
    for key, value in (("assessment", assessment.name), ("round", assessment.round), ("catalogue", catalogue.id),
                       ("exported_at", utcnow()), ("format_version", FORMAT_VERSION)):
        meta.append([key, value])
    meta.sheet_state = "hidden"
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return len(rows)


def _read(path: Path) -> Any:
    if not path.is_file():
        raise ConfigError("no such review workbook", path=str(path),
                          fix="Export one with `evaluator review export ASSESSMENT -o review.xlsx`")
    try:
        # data_only=False: a formula is read as its text, so it can be refused by name (a cached
        # value may be stale, and a workbook written by a program has none)
        return load_workbook(path, data_only=False)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as exc:
        raise ConfigError(f"not an Excel workbook ({exc.__class__.__name__})", path=str(path),
                          fix="Import the .xlsx written by `evaluator review export`") from None


def _check_meta(wb: Any, path: Path, assessment: Any, catalogue: Catalogue) -> None:
    if META_SHEET not in wb.sheetnames or SHEET not in wb.sheetnames:
        raise ConfigError(f"the workbook has no {SHEET!r} and {META_SHEET!r} sheets", path=str(path),
                          fix="Import the workbook written by `evaluator review export`, with its hidden meta sheet")
    meta = {str(r[0]): ("" if r[1] is None else str(r[1])) for r in wb[META_SHEET].iter_rows(values_only=True) if r and r[0]}
    found = (meta.get("assessment"), meta.get("round"))
    if found != (assessment.name, assessment.round):
        raise ConfigError(
            f"the workbook was exported for assessment {found[0]!r} round {found[1]!r}, not for "
            f"{assessment.name!r} round {assessment.round!r}",
            path=str(path), fix="Export a review workbook for this assessment and round and enter the adjustments there",
        )
    if meta.get("catalogue") != catalogue.id:
        raise ConfigError(f"the workbook was exported for catalogue {meta.get('catalogue')!r}, not {catalogue.id!r}",
                          path=str(path), fix="Export a new review workbook with the assessment's catalogue")
    header = [c.value for c in wb[SHEET][1]][: len(HEADERS)]
    if header != [h for _, h in HEADERS]:
        raise ConfigError(f"the header row of sheet {SHEET!r} was changed", path=str(path),
                          fix=f"Keep the columns as exported: {', '.join(h for _, h in HEADERS)}")
    merged = [str(r) for r in wb[SHEET].merged_cells.ranges]
    if merged:
        shown = ", ".join(merged[:5]) + (" …" if len(merged) > 5 else "")
        raise ConfigError(f"cells {shown} of sheet {SHEET!r} are merged", path=str(path),
                          fix="Unmerge them and fill in every row")


def import_review(
    assessment: Any, store: Any, path: str | Path, author: str, catalogue: Catalogue | None = None
) -> ImportResult:
    """Validate every adjusted row, then store them all as overrides in one transaction.

    Raises :class:`ConfigError` listing every invalid row (by its row number in the sheet)
    and stores nothing when any row is invalid.
    """
    if not author or not author.strip():
        raise ConfigError("an author is required for adjustments", field="--author",
                          fix="Pass --author with the assessor's name")
    if catalogue is None:
        from evaluator.scoring.engine import load_catalogue_for

        catalogue = load_catalogue_for(assessment)
    path = Path(path)
    wb = _read(path)
    _check_meta(wb, path, assessment, catalogue)
    s = schema.scores
    with store.engine.connect() as conn:
        status = {(r.site_id, r.item_id): r.status for r in conn.execute(
            select(s.c.site_id, s.c.item_id, s.c.status).where(s.c.round == assessment.round, s.c.criterion == "item"))}
    sites = {site.id for site in assessment.sites}
    items = set(catalogue.item_ids)
    errors: list[str] = []
    new: list[dict[str, Any]] = []
    now = utcnow()
    for row_no, row in enumerate(wb[SHEET].iter_rows(min_row=2), start=2):
        formula = next(((_HEADER[k], row[_COL[k]].value) for k in ("adjusted", "reason")
                        if len(row) > _COL[k] and row[_COL[k]].data_type == "f"), None)
        if formula is not None:
            errors.append(f"row {row_no}: {formula[0]} holds a formula ({str(formula[1])[:200]!r}); type the value itself")
            continue
        cells = [c.value for c in row] + [None] * (len(HEADERS) - len(row))
        value, reason = cells[_COL["adjusted"]], cells[_COL["reason"]]
        reason = "" if reason is None else str(reason).strip()
        if (value is None or (isinstance(value, str) and not value.strip())) and not reason:
            continue
        site_id, item_id, criterion = (str(cells[_COL[k]] or "").strip() for k in ("site_id", "item_id", "criterion"))
        problem = _row_problem(value, reason, site_id, item_id, criterion, sites, items, status, catalogue.id)
        if problem:
            errors.append(f"row {row_no}: {problem}")
            continue
        new.append({"round": assessment.round, "site_id": site_id, "item_id": item_id, "criterion": criterion,
                    "value": float(value), "reason": reason, "author": author.strip(), "created_at": now,
                    "source": path.name})
    if errors:
        raise ConfigError(
            f"{len(errors)} invalid row(s) in sheet {SHEET!r}; nothing was imported (correct them and import again):\n"
            + "\n".join(f"  {e}" for e in errors),
            path=str(path),
        )
    if new:
        with store.engine.begin() as conn:
            conn.execute(schema.overrides.insert(), new)
    return ImportResult(len(new), str(path))


def _row_problem(
    value: Any, reason: str, site_id: str, item_id: str, criterion: str,
    sites: set[str], items: set[str], status: dict[tuple[str, str], str], catalogue_id: str,
) -> str | None:
    if site_id not in sites:
        return f"unknown site {site_id!r} (not in the assessment)"
    if item_id not in items:
        return f"unknown item {item_id!r} (not in catalogue {catalogue_id})"
    if criterion not in CRITERIA:
        return f"unknown criterion {criterion!r}; use coverage, timeliness or completeness"
    if value is None or (isinstance(value, str) and not value.strip()):
        return "a reason is given but no adjusted value (调整值)"
    if isinstance(value, bool):
        return f"adjusted value {value!r} is not a number; enter a number from 0 to 100"
    try:
        number = float(value)
    except (TypeError, ValueError):
        return f"adjusted value {value!r} is not a number; enter a number from 0 to 100"
    if not 0 <= number <= 100:
        return f"adjusted value {number:g} is out of range; enter a number from 0 to 100"
    if not reason:
        return "the adjustment has no reason (调整理由); every adjustment needs one"
    current = status.get((site_id, item_id))
    if current is None:
        return f"no score for site {site_id!r} item {item_id!r} in this round; score the assessment first"
    if current != "scored":
        return f"the item is not scored for this site (status {current}); it cannot be adjusted"
    return None
