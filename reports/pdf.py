"""PDF reports with WeasyPrint: A4, page numbers, contents with page numbers, running header.

The PDF is rendered from the print edition of the same templates (``render(..., pdf=True)``).
A CJK font must be installed (see :mod:`reports.fonts`); WeasyPrint embeds the subset of it
the report uses. Nothing is fetched over the network: the URL fetcher refuses every URL but inline ``data:`` ones, so
a link that slipped into markup could never make WeasyPrint load it.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any

from evaluator.errors import ReportError
from reports.fonts import find_cjk_font

__all__ = ["write_pdf", "PdfBatch"]

#: At most this many PDFs are rendered at once (a WeasyPrint process needs 150–300 MB).
MAX_PDF_PROCESSES = 4


def _refuse(url: str) -> ValueError:
    return ValueError(f"reports load no external resources (refused {url[:80]!r})")


def _fetcher() -> Any:
    """A WeasyPrint URL fetcher that refuses every URL except inline ``data:`` URLs."""
    try:
        from weasyprint.urls import URLFetcher
    except ImportError:  # older WeasyPrint: a plain callable

        from weasyprint import default_url_fetcher

        def refuse(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
            if url.startswith("data:"):
                return default_url_fetcher(url, *args, **kwargs)
            raise _refuse(url)

        return refuse

    class NoFetch(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith("data:"):  # inline data (chart images): no network involved
                return super().fetch(url, headers)
            raise _refuse(url)

    return NoFetch()


def write_pdf(html: str, path: Path) -> Path:
    """Render the print edition ``html`` to ``path`` as PDF.

    Raises:
        ReportError: no CJK font is installed, or WeasyPrint cannot render.
    """
    font = find_cjk_font()  # raises ReportError with the install command
    from weasyprint import CSS, HTML

    font_css = CSS(string=f'body {{ font-family: "{font.family}", sans-serif; }}')
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        HTML(string=html, url_fetcher=_fetcher(), base_url=str(path.parent)).write_pdf(
            str(path), stylesheets=[font_css]
        )
    except OSError as exc:
        raise ReportError(f"cannot write the PDF {path}: {exc}") from exc
    return path


class PdfBatch:
    """Renders print editions to PDF over the machine's cores while the caller prepares the
    next ones (WeasyPrint is CPU-bound Python; a province has a report per city).

    Use as a context manager; :meth:`add` queues one PDF (blocking while twice as many as the
    processes are waiting, so memory stays bounded), leaving the block waits for them all and
    then raises the first failure (the other PDFs are still written). With fewer than ``min_parallel`` PDFs expected, or one core,
    they are rendered one by one in this process (starting WeasyPrint in a new process costs
    about a second).
    """

    def __init__(self, expected: int, processes: int | None = None, *, min_parallel: int = 3) -> None:
        self.workers = min(expected, processes or min(os.cpu_count() or 1, MAX_PDF_PROCESSES))
        self._parallel = expected >= min_parallel and self.workers > 1
        self._pool: ProcessPoolExecutor | None = None
        self._pending: list[Future[Path]] = []
        self._failure: Exception | None = None

    def __enter__(self) -> "PdfBatch":
        if self._parallel:
            find_cjk_font()  # a missing font is one clear error, before any process starts
            methods = multiprocessing.get_all_start_methods()
            context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=context)
        return self

    def add(self, html: str, path: Path) -> Path:
        """Render ``html`` to ``path`` (now, or in a worker process); returns ``path``."""
        if self._pool is None:
            return write_pdf(html, path)
        while len(self._pending) >= 2 * self.workers:
            self._settle(self._pending.pop(0))
        self._pending.append(self._pool.submit(write_pdf, html, path))
        return path

    def _settle(self, future: Future[Path]) -> None:
        try:
            future.result()
        except Exception as exc:  # the first failure is raised when the batch ends
            if self._failure is None:
                self._failure = exc

    def __exit__(self, exc_type: Any, *_: Any) -> None:
        if self._pool is None:
            return
        try:
            if exc_type is None:
                for future in self._pending:
                    self._settle(future)
        finally:
            self._pool.shutdown(wait=True, cancel_futures=exc_type is not None)
        if exc_type is None and self._failure is not None:
            raise self._failure
