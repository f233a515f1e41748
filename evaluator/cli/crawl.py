"""``evaluator crawl``: crawl the assessment's sites into the store, with WARC evidence."""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape

from sqlalchemy.exc import OperationalError

from crawlers.engine import crawl as run_crawl
from crawlers.storage_errors import describe_storage_error
from evaluator.cli import app
from evaluator.cli._crawl_display import crawl_progress, print_crawl_summary
from evaluator.errors import StoreError

console = Console(stderr=True)


def _log_file(output_dir: Path, round: str) -> Path:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    path = Path(output_dir) / "logs" / f"crawl-{round}-{stamp}.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


class _QuietFileHandler(logging.FileHandler):
    """A log file that never prints a traceback to the terminal when it cannot be written
    (a full disk is reported once, as the crawl's error)."""

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 - logging API
        pass


def _attach_log(path: Path) -> logging.Handler:
    handler = _QuietFileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s"))
    logger = logging.getLogger("crawlers")
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    return handler


@app.command("crawl")
def crawl_command(
    assessment: Path = typer.Argument(..., help="The assessment file (YAML).", exists=False),
    site: list[str] = typer.Option(None, "--site", help="Crawl only this site id (repeat for several)."),
    max_pages: int = typer.Option(None, "--max-pages", min=1, help="Stop each site after N pages (overrides limits.max_pages)."),
    resume: bool = typer.Option(
        True, "--resume/--fresh",
        help="--resume (default) continues an interrupted crawl without refetching stored pages; "
        "--fresh starts again from the entry points (stored pages are revalidated with conditional requests).",
    ),
    parse_workers: int = typer.Option(
        0, "--parse-workers", min=0,
        help="Parse pages in N worker processes (0: on the crawling threads). Pays off with many sites and CPU cores.",
    ),
) -> None:
    """Crawl the bureau sites of an assessment into its store, writing WARC evidence.

    Example: evaluator crawl assessment.yaml --site hangzhou --max-pages 500
    """
    from evaluator.config import load_assessment
    from evaluator.store import Store

    settings = load_assessment(assessment)
    try:
        store = Store.open(settings.store_url)
    except (OperationalError, OSError) as exc:
        message = describe_storage_error(exc, store_url=settings.store_url, warc_file=None)
        if message is None:
            message = (f"disk full or I/O error while writing the store {settings.store_url}: {exc}. "
                       "Check the free space and the disk, then run the same command again")
        raise StoreError(message) from exc
    log_path = _log_file(settings.output_dir, settings.round)
    handler = _attach_log(log_path)
    chosen = site or [s.id for s in settings.sites]
    progress, on_progress = crawl_progress(chosen, console)

    interrupted = False
    try:
        with progress:
            try:
                results = run_crawl(settings, store, site or None, progress=on_progress,
                                    max_pages=max_pages, resume=resume, parse_workers=parse_workers)
            except KeyboardInterrupt:  # pragma: no cover - interactive only
                interrupted = True
                results = []
    finally:
        logging.getLogger("crawlers").removeHandler(handler)
        handler.close()
        store.close()
    out = Console()
    if results:
        print_crawl_summary(results, out)
    out.print(f"log: {log_path}")
    if interrupted or any(r.status == "interrupted" for r in results):
        out.print("interrupted: run the same command again to continue")
        raise typer.Exit(130)
    failed = [r for r in results if r.status == "failed"]
    if failed:
        for r in failed:
            console.print(f"[bold red]error:[/] site {escape(r.site_id)}: {escape(str(r.error))} (see {log_path})", highlight=False,
                          soft_wrap=True)
        raise typer.Exit(1)
