"""Navigation on list pages: pager links, stated page counts and the column (栏目) tree."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urlsplit

from lxml import etree

from crawlers._data import require
from crawlers._html import absolute_url, clean_text, element_text
from crawlers.model import ColumnLink, Request

__all__ = ["pager_requests", "stated_page_count", "column_links", "dedupe_requests", "is_column_url"]


def dedupe_requests(requests: list[Request], current_url: str) -> list[Request]:
    """Drop repeats and the current page (a saved page may hold both the pager script and its output)."""
    seen = {(current_url, "GET", None)}
    unique = []
    for request in requests:
        key = (request.url, request.method, request.body)
        if key not in seen:
            seen.add(key)
            unique.append(request)
    return unique


def pager_requests(root: etree._Element, base_url: str) -> list[Request]:
    """The 下一页 link (and the 尾页 link) of a rendered pager, as GET requests."""
    next_texts = set(require("lists", "next_texts"))
    last_texts = set(require("lists", "last_texts"))
    found: list[Request] = []
    for anchor in root.iter("a"):
        text = clean_text(element_text(anchor)) or clean_text(anchor.get("title") or "")
        if text in next_texts or text in last_texts:
            url = absolute_url(base_url, anchor.get("href"))
            if url:
                found.append(Request(url))
    return dedupe_requests(found, base_url)


@lru_cache(maxsize=1)
def _count_patterns() -> list[re.Pattern[str]]:
    return [re.compile(p) for p in require("lists", "page_count_patterns")]


def stated_page_count(text: str) -> int | None:
    """A page count the page states in words (共56页, 第1/56页)."""
    for pattern in _count_patterns():
        match = pattern.search(text)
        if match:
            return int(match.group(1))
    return None


@lru_cache(maxsize=1)
def _column_rules() -> tuple[list[re.Pattern[str]], int, int, frozenset[str], int, list[re.Pattern[str]]]:
    patterns = [re.compile(p, re.I) for p in require("lists", "column_url_patterns")]
    excluded_urls = [re.compile(p, re.I) for p in require("lists", "column_excluded_url_patterns")]
    return (
        patterns,
        int(require("lists", "column_name_min")),
        int(require("lists", "column_name_max")),
        frozenset(require("lists", "column_excluded_names")),
        int(require("lists", "max_columns")),
        excluded_urls,
    )


def is_column_url(url: str) -> bool:
    """True when ``url`` has the shape of a column (栏目) page rather than a document."""
    patterns, excluded = _column_rules()[0], _column_rules()[5]
    if any(p.search(url) for p in excluded):
        return False
    parts = urlsplit(url)
    if parts.path in ("", "/", "/index.html", "/index.shtml", "/index.htm"):
        return False
    target = parts.path + ("?" + parts.query if parts.query else "") + ("#" + parts.fragment if parts.fragment else "")
    return any(p.search(target) for p in patterns)


def _parent_column(anchor: etree._Element, base_url: str, own: str) -> str | None:
    """The column link of the ``li`` enclosing the ``ul`` this link sits in (a nested tree)."""
    node = anchor.getparent()
    passed_list = False
    while node is not None and node.tag not in ("body", "html"):
        if node.tag in ("ul", "ol", "dl"):
            passed_list = True
        elif passed_list and node.tag in ("li", "dd", "dt", "div"):
            for candidate in node.iterchildren():
                links = [candidate] if candidate.tag == "a" else list(candidate.iter("a"))[:1]
                for link in links:
                    if candidate.tag in ("ul", "ol", "dl"):
                        continue
                    url = absolute_url(base_url, link.get("href"))
                    if url and url != own:
                        return url
            return None
        node = node.getparent()
    return None


def column_links(root: etree._Element, base_url: str, exclude: set[str]) -> list[ColumnLink]:
    """Links that look like columns (栏目) with their parent column when the tree is nested."""
    _, min_len, max_len, excluded, limit, _ = _column_rules()
    columns: dict[str, ColumnLink] = {}
    for anchor in root.iter("a"):
        href = anchor.get("href") or ""
        url = absolute_url(base_url, href) if not href.startswith("#") else None
        name = clean_text(element_text(anchor)) or clean_text(anchor.get("title") or "")
        if url is None or url in exclude or url in columns or url == base_url:
            continue
        if not (min_len <= len(name) <= max_len) or name in excluded or name.isdigit():
            continue
        if not is_column_url(url):
            continue
        columns[url] = ColumnLink(url=url, name=name, parent_url=_parent_column(anchor, base_url, url))
        if len(columns) >= limit:
            break
    return list(columns.values())
