"""`evaluator classify`, `evaluator explain` and `evaluator score`: the rubric engine's commands."""

from __future__ import annotations

import warnings
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from sqlalchemy import func, select

from evaluator.cli import app

console = Console()
err_console = Console(stderr=True)

STORE_HELP = "Store URL (default: the assessment's store, sqlite beside the assessment file)."


def _open(assessment_file: Path, store_url: str | None):
    from evaluator.config import load_assessment
    from evaluator.scoring.engine import load_catalogue_for
    from evaluator.store import Store

    assessment = load_assessment(assessment_file, store_url=store_url)
    return assessment, Store.open(assessment.store_url, create=False), load_catalogue_for(assessment)


def _classified(store, round_: str) -> int:
    from evaluator.store import schema

    c = schema.classifications
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(c).where(c.c.round == round_)).scalar() or 0)


@app.command("classify")
def classify_command(
    assessment_file: Path = typer.Argument(..., help="The assessment YAML."),
    store_url: str = typer.Option(None, "--store", help=STORE_HELP),
) -> None:
    """Classify the round's stored documents to catalogue items (replaces earlier results).

        evaluator classify assessment.yaml
    """
    from evaluator.classify import classify_store
    from evaluator.store import schema

    assessment, store, catalogue = _open(assessment_file, store_url)
    try:
        written = classify_store(assessment, store, catalogue)
        c, d = schema.classifications, schema.documents
        table = Table(title=f"分类结果 Classification — round {assessment.round}")
        for header in ("站点 site", "文档 documents", "已分类 classified", "分类数 classifications"):
            table.add_column(header)
        with store.engine.connect() as conn:
            for site in assessment.sites:
                docs = conn.execute(select(func.count()).select_from(d).where(
                    d.c.round == assessment.round, d.c.site_id == site.id)).scalar()
                classified = conn.execute(select(func.count(func.distinct(c.c.document_id))).where(
                    c.c.round == assessment.round, c.c.site_id == site.id)).scalar()
                rows = conn.execute(select(func.count()).select_from(c).where(
                    c.c.round == assessment.round, c.c.site_id == site.id)).scalar()
                table.add_row(escape(site.id), str(docs), str(classified), str(rows))
        console.print(table)
        console.print(f"{written} classifications stored", highlight=False)
    finally:
        store.close()


@app.command("explain")
def explain_command(
    url: str = typer.Argument(..., help="The document's URL, as crawled."),
    assessment_file: Path = typer.Option(Path("assessment.yaml"), "--assessment", "-a", help="The assessment YAML."),
    store_url: str = typer.Option(None, "--store", help=STORE_HELP),
) -> None:
    """Explain why a document got its items and which findings it feeds.

        evaluator explain http://sthjj.example.gov.cn/xxgk/xzcf/202503/t20250301_1.html -a assessment.yaml
    """
    from evaluator.scoring.explain import explain_document
    from evaluator.scoring.findings import label

    assessment, store, catalogue = _open(assessment_file, store_url)
    try:
        ex = explain_document(assessment, store, url, catalogue)
    finally:
        store.close()
    out = console.print
    out(f"[bold]{escape(ex.title) or '(无标题)'}[/]")
    out(f"URL: {escape(ex.url)}", highlight=False)
    out(f"站点 site: {escape(ex.site_id)}   栏目 column: {escape(ex.column_path) or '—'}", highlight=False)
    out(f"发布日期 published: {ex.publish_date or '—'}   形成日期 formed: {ex.formation_date or '—'}   "
        f"列表日期 list date: {ex.list_date or '—'}", highlight=False)
    if not ex.items:
        out("未归入任何目录事项 (no catalogue item matched: no column map entry, column alias or title/body rule)")
        return
    if not ex.stored:
        out("[yellow]尚未运行分类，以下为按当前目录即时计算的结果 (not yet classified in the store; computed now)[/]")
    for it in ex.items:
        cl = it.classification
        out(f"\n[bold]{escape(it.item_id)}[/] {escape(it.item_name)}")
        out(f"  依据 method: {cl.method}   规则 rule: {escape(cl.rule)}   置信度 confidence: {cl.confidence:g}",
            highlight=False)
        if it.status is None:
            out("  尚未评分 (the round has not been scored yet)")
            continue
        values = "  ".join(f"{label(k)} {v:.1f}" if v is not None else f"{label(k)} —"
                           for k, v in it.values.items() if k in ("coverage", "timeliness", "completeness", "item"))
        out(f"  状态 status: {it.status}   {values}", highlight=False)
        for criterion, text in it.findings:
            out(f"  · [{label(criterion)}] {escape(text)}", highlight=False)


@app.command("score")
def score_command(
    assessment_file: Path = typer.Argument(..., help="The assessment YAML."),
    out_dir: Path = typer.Option(None, "--out", "-o", help="Folder for scores.csv and scores.json "
                                 "(default: the assessment's output_dir/<round>)."),
    reclassify: bool = typer.Option(False, "--reclassify", help="Classify again even if the round is classified."),
    store_url: str = typer.Option(None, "--store", help=STORE_HELP),
) -> None:
    """Score the round: classification (if not yet done), then scores into the store and files.

    Rescoring replaces the round's scores; assessor overrides (evaluator review import) apply.

        evaluator score assessment.yaml
        evaluator score assessment.yaml --reclassify -o output/2025
    """
    from evaluator.classify import classify_store
    from evaluator.scoring import score_assessment, write_scores_files
    from evaluator.workdays import CalendarCoverageWarning

    assessment, store, catalogue = _open(assessment_file, store_url)
    try:
        if reclassify or _classified(store, assessment.round) == 0:
            written = classify_store(assessment, store, catalogue)
            console.print(f"classified: {written} classifications", highlight=False)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", CalendarCoverageWarning)  # reported below from the result
            result = score_assessment(assessment, store, catalogue)
    finally:
        store.close()
    target = out_dir or Path(assessment.output_dir) / assessment.round
    csv_path, json_path = write_scores_files(result, target)
    print_ranking(result)
    for note in result.warnings:
        err_console.print(f"[bold yellow]warning:[/] {escape(note)}", highlight=False)
    console.print(str(csv_path), highlight=False)
    console.print(str(json_path), highlight=False)


def print_ranking(result) -> None:
    """The ranking table of a scoring result."""
    table = Table(title=f"排名 Ranking — {escape(result.assessment)} {escape(result.round)}")
    for header in ("名次", "站点", "单位", "总分", "等级"):
        table.add_column(header)
    for s in result.sites:
        table.add_row(str(s.rank) if s.rank else "—", escape(s.site_id), escape(s.name),
                      f"{s.total:.1f}" if s.total is not None else "未能评分", s.grade or "—")
    console.print(table)
