"""Build every report of a round and write it to the output directory.

Layout (``<out>`` = ``out_dir`` or the assessment's ``output_dir``)::

    <out>/<round>/province.html  province.pdf
                  cities/<site_id>.html  cities/<site_id>.pdf
                  checklists/<site_id>.html
                  scores.xlsx  scores.csv  scores.json

The English edition (``lang="en"``) writes the same files with ``.en`` before the extension
(``province.en.html``), so both editions can sit side by side; ``scores.csv`` and
``scores.json`` carry both languages and are the same files ``evaluator score`` writes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path

from evaluator.errors import ReportError
from evaluator.settings import Assessment
from evaluator.store import Store
from evaluator.workdays import WorkdayCalendar
from reports import context, tables
from reports.data import ReportData, load_report_data
from reports.html import render, write_html
from reports.i18n import labels
from reports.pdf import PdfBatch

__all__ = ["FORMATS", "build_reports", "build_from_data"]

FORMATS = ("html", "pdf", "xlsx", "csv", "json")
PROVINCE_WIDE = ("xlsx", "csv", "json")
_SAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]")


def _file_name(site_id: str) -> str:
    """A file name for a site id: characters other than letters, digits, ``_.-`` become ``_``."""
    name = _SAFE_NAME.sub("_", site_id).lstrip(".")
    return name or "_"


def _check_formats(formats: Iterable[str]) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(f.strip().lower() for f in formats if f.strip()))
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown or not chosen:
        raise ReportError(
            f"unknown report format(s) {', '.join(unknown) or '(none given)'}: choose from "
            f"{','.join(FORMATS)} (for example --format html,pdf)"
        )
    return chosen


def build_from_data(
    data: ReportData,
    formats: Sequence[str] = FORMATS,
    site_ids: Sequence[str] | None = None,
    lang: str = "zh",
    out_dir: Path | None = None,
    *,
    issued: date | None = None,
) -> list[Path]:
    """Write the reports of an already loaded :class:`ReportData`; see :func:`build_reports`."""
    chosen = _check_formats(formats)
    L = labels(lang)
    issued = issued or date.today()
    root = Path(out_dir or data.assessment.output_dir) / _file_name(data.round)
    suffix = "" if lang == "zh" else f".{lang}"
    if site_ids:
        unknown = [s for s in site_ids if s not in set(data.site_ids)]
        if unknown:
            raise ReportError(
                f"no scores for site(s) {', '.join(unknown)} in round {data.round!r} "
                f"(sites with scores: {', '.join(data.site_ids)}); check --site"
            )
        if not set(chosen) & {"html", "pdf"}:
            raise ReportError(
                "--site selects city reports, which are html or pdf; the tables "
                f"({','.join(PROVINCE_WIDE)}) always cover the whole province: drop --site"
            )
    written: list[Path] = []
    cities = list(site_ids) if site_ids else data.site_ids
    expected_pdfs = len(cities) + (0 if site_ids else 1) if "pdf" in chosen else 0
    with PdfBatch(expected_pdfs) as pdfs:  # PDFs render on the other cores meanwhile
        if not site_ids:
            if "html" in chosen:
                ctx = context.province_context(data, L, issued)
                written.append(write_html(root / f"province{suffix}.html", render("province.html.j2", ctx)))
            if "pdf" in chosen:
                ctx = context.province_context(data, L, issued, raster=True)
                written.append(pdfs.add(render("province.html.j2", ctx, pdf=True), root / f"province{suffix}.pdf"))
            if "xlsx" in chosen:
                written.append(tables.write_xlsx(data, root / f"scores{suffix}.xlsx", L))
            scores_formats = tuple(f for f in ("csv", "json") if f in chosen)
            if scores_formats:
                written.extend(tables.write_scores(data, root, scores_formats))
        if {"html", "pdf"} & set(chosen):
            workdays = WorkdayCalendar.from_file(data.assessment.holidays_file)
            for site_id in cities:
                name = _file_name(site_id)
                if "html" in chosen:
                    ctx = context.city_context(data, site_id, L, issued)
                    written.append(write_html(root / "cities" / f"{name}{suffix}.html", render("city.html.j2", ctx)))
                if "pdf" in chosen:
                    ctx = context.city_context(data, site_id, L, issued, raster=True)
                    pdf_path = root / "cities" / f"{name}{suffix}.pdf"
                    written.append(pdfs.add(render("city.html.j2", ctx, pdf=True), pdf_path))
                if "html" in chosen:
                    checklist = context.checklist_context(data, site_id, L, issued, workdays)
                    written.append(write_html(root / "checklists" / f"{name}{suffix}.html",
                                              render("checklist.html.j2", checklist)))
    return written


def build_reports(
    assessment: Assessment,
    store: Store,
    formats: Sequence[str] = FORMATS,
    site_ids: Sequence[str] | None = None,
    lang: str = "zh",
    out_dir: Path | None = None,
    *,
    round: str | None = None,  # noqa: A002 - the store's word for it
    issued: date | None = None,
) -> list[Path]:
    """Build the reports of one round and return the paths written.

    ``formats`` from :data:`FORMATS`; ``site_ids`` limits the output to those cities' reports
    and checklists (the provincial report and the tables are then not written); ``lang`` is
    ``zh`` (default) or ``en``; ``out_dir`` defaults to the assessment's ``output_dir``;
    ``round`` to the assessment's round; ``issued`` (the report date) to today.

    Example::

        from reports import build_reports
        paths = build_reports(assessment, Store.open(assessment.store_url), formats=("html",))
    """
    _check_formats(formats)
    labels(lang)  # fail on a bad language before reading the store
    data = load_report_data(assessment, store, round)
    return build_from_data(data, formats, site_ids, lang, out_dir, issued=issued)
