"""The crawl's terminal display, shared by ``evaluator crawl`` and ``evaluator run``:
a progress line per site while crawling and a summary table at the end."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from crawlers.stats import CrawlStats


def crawl_progress(site_ids: Iterable[str], console: Console) -> tuple[Progress, Callable[[CrawlStats], None]]:
    """A rich progress display with one line per site, and the callback the crawler calls."""
    progress = Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        BarColumn(bar_width=None),
        TextColumn("{task.fields[pages]} pages, {task.fields[errors]} errors, {task.fields[rate]:.1f}/s"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )
    tasks = {sid: progress.add_task(escape(sid), total=None, pages=0, errors=0, rate=0.0) for sid in site_ids}

    def on_progress(stats: CrawlStats) -> None:
        task = tasks.get(stats.site_id)
        if task is not None:
            progress.update(task, pages=stats.pages, errors=sum(stats.failures().values()), rate=stats.rate)

    return progress, on_progress


def crawl_summary(results: Iterable[CrawlStats]) -> Table:
    """Pages, documents and failures by status, one row per site."""
    table = Table(title="爬取结果 crawl summary", show_lines=False)
    for name, justify in (("site", "left"), ("status", "left"), ("pages", "right"), ("documents", "right"),
                          ("failures by status", "left"), ("pages/s", "right")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for s in results:
        failures = ", ".join(f"{k} {v}" for k, v in s.failures().items()) or "-"
        table.add_row(escape(s.site_id), s.status, str(s.pages), str(s.documents), failures, f"{s.rate:.1f}")
    return table
