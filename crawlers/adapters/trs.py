"""TRS WCM lists: static ``index.html``, ``index_1.html`` … pages.

The page count comes only from the pager script the page carries — ``createPageHTML(N, cur,
"index", "html")``, the renamed ``createPage(…)``, or ``var countPage = N`` — never from a
record total (WCM publishes a capped number of static pages). Page *n* is ``index_{n-1}``;
page 1 has no suffix. Requests are de-duplicated against a rendered copy of the pager.
"""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import urljoin, urlsplit

from crawlers._data import require
from crawlers.adapters._nav import dedupe_requests
from crawlers.adapters.generic import parse_html_list
from crawlers.model import ListPage, Request

__all__ = ["TrsAdapter", "trs_pager"]

_CREATE_PAGE = re.compile(
    r"\bcreatePage(?:HTML)?\s*\(\s*['\"]?(\d+)['\"]?\s*,\s*['\"]?(\d+)['\"]?\s*,\s*['\"]([\w.-]+)['\"]\s*,\s*['\"](\w+)['\"]"
)
_COUNT_PAGE = re.compile(r"\bvar\s+countPage\s*=\s*['\"]?(\d+)")
_CURRENT_PAGE = re.compile(r"\bvar\s+currentPage\s*=\s*['\"]?(\d+)")
_URL_PAGE = re.compile(r"/(index)(?:_(\d+))?\.(s?html?)$", re.I)
_MARKUP_PAGE = re.compile(r"\bindex(?:_\d+)?\.(s?html?)\b", re.I)


def trs_pager(doc: str, url: str) -> tuple[int, int, str, str] | None:
    """``(page_count, current_index, page_name, extension)`` from the page's pager script."""
    match = _CREATE_PAGE.search(doc)
    if match and match.group(3).startswith("index"):
        return int(match.group(1)), int(match.group(2)), match.group(3), match.group(4)
    count = _COUNT_PAGE.search(doc)
    if not count:
        return None
    current = _CURRENT_PAGE.search(doc)
    url_page = _URL_PAGE.search(urlsplit(url).path)
    if url_page:
        ext = url_page.group(3)
        index = int(url_page.group(2) or 0)
    else:
        in_markup = _MARKUP_PAGE.search(doc)
        ext = in_markup.group(1) if in_markup else "html"
        index = 0
    return int(count.group(1)), int(current.group(1)) if current else index, "index", ext


class TrsAdapter:
    """TRS static lists; items come from the densest link + date block."""

    family = "trs"

    def parse(
        self, doc: str, url: str, *, context: date | None = None, request: Request | None = None
    ) -> ListPage:
        """Parse a TRS list page; ``next_requests`` are all its other ``index_N`` pages."""
        page = parse_html_list(doc, url, self.family, context)
        pager = trs_pager(doc, url)
        if pager is None:
            page.next_requests = dedupe_requests(page.next_requests, url)
            return page
        count, current, name, ext = pager
        limit = int(require("lists", "max_page_requests"))
        page.page_count = count
        requests = []
        for index in range(min(count, limit)):
            if index == current:
                continue
            target = f"{name}.{ext}" if index == 0 else f"{name}_{index}.{ext}"
            requests.append(Request(urljoin(url, target)))
        page.next_requests = dedupe_requests(requests, url)
        return page
