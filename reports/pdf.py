"""PDF reports with WeasyPrint: A4, page numbers, contents with page numbers, running header.

The PDF is rendered from the print edition of the same templates (``render(..., pdf=True)``).
A CJK font must be installed (see :mod:`reports.fonts`); WeasyPrint embeds the subset of it
the report uses. Nothing is fetched over the network: the URL fetcher refuses every URL but inline ``data:`` ones, so
a link that slipped into markup could never make WeasyPrint load it.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from evaluator.errors import ReportError
from reports.fonts import find_cjk_font

__all__ = ["write_pdf"]


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
    path.parent.mkdir(parents=True, exist_ok=True)
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    try:
        HTML(string=html, url_fetcher=_fetcher(), base_url=str(path.parent)).write_pdf(
            str(path), stylesheets=[font_css]
        )
    except OSError as exc:
        raise ReportError(f"cannot write the PDF {path}: {exc}") from exc
    return path
