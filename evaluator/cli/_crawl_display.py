"""The crawl's terminal display, shared by ``evaluator crawl`` and ``evaluator run``:
a progress line per site while crawling, a summary table at the end and, below it, every kind
of failure in plain words."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from crawlers.stats import CrawlStats, describe_status


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


def failure_lines(results: Iterable[CrawlStats]) -> list[str]:
    """Every kind of failure of every site in plain words, for example
    ``s1: 3 × 响应超时 timed out (timeout)``; empty when nothing failed."""
    lines = [f"  {s.site_id}: {n} × {describe_status(status)} ({status})"
             for s in results for status, n in s.failures().items()]
    if lines:
        lines.insert(0, "未能获取的页面 pages not observed (each is recorded in the store and the report appendix):")
    return lines


def print_crawl_summary(results: Iterable[CrawlStats], console: Console) -> None:
    """The summary table, then the failures in plain words."""
    results = list(results)
    console.print(crawl_summary(results))
    for line in failure_lines(results):
        console.print(line, highlight=False, markup=False, soft_wrap=True)
