"""`evaluator run`: crawl → classify → score → report in one command."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from evaluator.cli import app
from evaluator.cli._crawl_display import crawl_progress, print_crawl_summary
from evaluator.settings import Assessment
from evaluator.pipeline import DEFAULT_FORMATS, STAGES, RunOptions, RunResult, run

console = Console()


def parse_formats(value: str) -> tuple[str, ...]:
    """Split ``html,pdf`` into a tuple, rejecting unknown formats with the list of known ones."""
    formats = tuple(f.strip().lower() for f in value.split(",") if f.strip())
    unknown = [f for f in formats if f not in DEFAULT_FORMATS]
    if unknown or not formats:
        raise typer.BadParameter(
            f"unknown format {', '.join(unknown) or '(none)'}; choose from {','.join(DEFAULT_FORMATS)}"
        )
    return formats


@app.command("run")
def run_command(
    assessment_file: Path = typer.Argument(..., help="The assessment YAML (see `evaluator init`).", exists=False),
    start: str = typer.Option("crawl", "--from", help=f"First stage to run: {', '.join(STAGES)}."),
    stop: str = typer.Option("report", "--to", help="Last stage to run."),
    site: list[str] = typer.Option(None, "--site", help="Only this site id (repeatable)."),
    formats: str = typer.Option(",".join(DEFAULT_FORMATS), "--format", help="Report formats, comma-separated."),
    lang: str = typer.Option("zh", "--lang", help="Report language: zh or en."),
    max_pages: int = typer.Option(None, "--max-pages", help="Stop each site's crawl after N pages."),
    fresh: bool = typer.Option(False, "--fresh", help="Forget this round's crawl frontier and crawl anew."),
) -> None:
    """Run the whole assessment: crawl, classify, score and write the reports.

    Interrupted runs continue where they stopped when run again. Skip stages with --from:

        evaluator run assessment.yaml
        evaluator run assessment.yaml --from score      # changed rubric: rescore, no recrawl
    """
    from evaluator.config import load_assessment

    if lang not in ("zh", "en"):
        raise typer.BadParameter("--lang must be zh or en")
    assessment = load_assessment(assessment_file)
    options = RunOptions(
        start=start,
        stop=stop,
        site_ids=tuple(site) if site else None,
        formats=parse_formats(formats),
        lang=lang,
        max_pages=max_pages,
        fresh=fresh,
    )
    result = run_with_display(assessment, options)
    print_run_summary(result, assessment)


def _print_stage(stage: str, message: str) -> None:
    console.print(f"[bold cyan]{stage:>8}[/] {escape(message)}", highlight=False)


def run_with_display(assessment: Assessment, options: RunOptions) -> RunResult:
    """Run the pipeline with one display: a line per stage, the crawl's per-site progress while
    it crawls, and the crawl summary table after it."""
    site_ids = options.site_ids or tuple(site.id for site in assessment.sites)
    progress, on_progress = crawl_progress(site_ids, console)

    crawl_started = False

    def on_stage(stage: str, message: str) -> None:
        nonlocal crawl_started
        if progress.live.is_started:  # the crawl's second message: it has finished
            progress.stop()
        _print_stage(stage, message)
        if stage == "crawl" and not crawl_started:
            crawl_started = True
            progress.start()

    try:
        result = run(assessment, options, on_stage=on_stage, crawl_progress=on_progress)
    finally:
        if progress.live.is_started:
            progress.stop()
    if result.crawl_stats:
        print_crawl_summary(result.crawl_stats.values(), console)
    return result


def print_run_summary(result: RunResult, assessment: Assessment) -> None:
    """Print the ranking and the report paths of a finished run."""
    if result.ranking:
        names = {site.id: site.name for site in assessment.sites}
        table = Table(title="排名 Ranking")
        for header in ("名次", "站点", "单位", "总分"):
            table.add_column(header)
        for rank, site_id, total in result.ranking:
            score = f"{total:.1f}" if total is not None else "未能评分"
            table.add_row(str(rank) if rank else "—", escape(site_id), escape(names.get(site_id, "")), score)
        console.print(table)
    for path in result.report_paths:
        console.print(str(path), highlight=False)
