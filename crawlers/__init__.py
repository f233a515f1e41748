"""Fetching and parsing bureau websites.

Extraction (public API): :func:`extract_article` and :func:`extract_list` turn a page (bytes or
text) into an :class:`Article` or a :class:`ListPage`; :func:`decode_html`, :func:`parse_date`
and :func:`detect_family` are the building blocks they use.

Crawling (public API): :func:`crawl` runs the sites of an assessment in parallel and
:func:`crawl_site` one site, into the store with WARC evidence; both return
:class:`CrawlStats`. :class:`RequestsFetcher` is the HTTP layer and :func:`read_record` replays
a stored WARC record (``fetches.warc_file`` + ``warc_offset``).
"""

from crawlers.dates import parse_date
from crawlers.detect import detect_family
from crawlers.encoding import decode_html
from crawlers.extract import extract_article, extract_list
from crawlers.model import Article, Attachment, ColumnLink, ListItem, ListPage, Request

# The crawling half (SQLAlchemy, requests, warcio) is imported on first use, so that the
# extraction layer, which parse workers import, stays light.
_LAZY = {
    "crawl": "crawlers.engine",
    "crawl_site": "crawlers.engine",
    "RequestsFetcher": "crawlers.http",
    "CrawlStats": "crawlers.stats",
    "read_record": "crawlers.warc",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'crawlers' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    # extraction
    "extract_article",
    "extract_list",
    "decode_html",
    "parse_date",
    "detect_family",
    "Article",
    "ListPage",
    "ListItem",
    "Attachment",
    "ColumnLink",
    "Request",
    # crawling
    "crawl",
    "crawl_site",
    "CrawlStats",
    "RequestsFetcher",
    "read_record",
]
