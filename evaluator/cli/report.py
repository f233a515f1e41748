"""``evaluator report``: build the provincial report, city reports, checklists and tables."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from evaluator.cli import app


@app.command("report")
def report(
    assessment_file: Path = typer.Argument(..., help="The assessment YAML file.", show_default=False),
    formats: str = typer.Option(
        "html,pdf,xlsx,csv,json",
        "--format",
        "-f",
        help="Comma-separated formats to write: html, pdf, xlsx, csv, json.",
    ),
    site: Optional[list[str]] = typer.Option(
        None,
        "--site",
        "-s",
        help="Only the city report and checklist of this site id (repeatable); "
        "the provincial report and the tables are then not written.",
    ),
    lang: str = typer.Option("zh", "--lang", help="Report language: zh (Chinese) or en (English)."),
    round_: Optional[str] = typer.Option(
        None, "--round", help="Round to report (default: the assessment's round)."
    ),
    out: Optional[Path] = typer.Option(
        None, "--out", "-o", help="Output directory (default: the assessment's output_dir)."
    ),
) -> None:
    """Write the reports of a scored round into the output directory and print their paths.

    Example: evaluator report assessment.yaml --format html,pdf --lang zh
    """
    from evaluator.config import load_assessment
    from evaluator.store import Store
    from reports import build_reports

    assessment = load_assessment(assessment_file)
    store = Store.open(assessment.store_url, create=False)
    try:
        paths = build_reports(
            assessment,
            store,
            formats=formats.split(","),
            site_ids=site or None,
            lang=lang,
            out_dir=out,
            round=round_,
        )
    finally:
        store.close()
    for path in paths:
        typer.echo(str(path))
