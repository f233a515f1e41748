"""Guangdong 政府信息公开目录平台 (gkmlpt): the JSON list API and the directory page.

The directory page ``/<dept>/gkmlpt/index`` shows columns as client-side routes ``#<id>`` and
carries the site id (``SID: '758019'``). Lists come from
``/gkmlpt/api/all/<column>?page=<n>&sid=<sid>``, which returns ``{"articles": [...], "total": N}``.
"""

from __future__ import annotations

import json
import math
import re
from datetime import date
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

from crawlers._data import require
from crawlers._html import absolute_url, clean_text, element_text, parse_document
from crawlers.adapters._nav import dedupe_requests
from crawlers.adapters.generic import parse_html_list
from crawlers.extract_meta import value_date
from crawlers.model import ColumnLink, ListItem, ListPage, Request

__all__ = ["GkmlptAdapter", "api_request", "gkmlpt_base"]

_MAX_JSON_CHARS = 20_000_000
_SID = re.compile(r"\bSID['\"]?\s*[:=]\s*['\"]?(\d+)", re.I)
_API = re.compile(r"/gkmlpt/api/all/(\d+)")
_ROUTE = re.compile(r"(?:^|/gkmlpt/index)#(\d+)$")
_TREE = re.compile(r"\bTREE['\"]?\s*:\s*(\[)")
_HREF_ROUTE = re.compile(r"(?:^|/gkmlpt/index)#(\d+)$")
_DATE_KEYS = ("display_publish_time", "publish_time", "date_published", "first_publish_time", "created_at", "create_time")


def gkmlpt_base(url: str) -> str | None:
    """The URL up to and including ``/gkmlpt/`` (the platform root of a department)."""
    index = url.find("/gkmlpt/")
    return url[: index + len("/gkmlpt/")] if index >= 0 else None


def api_request(base: str, column: str, sid: str, page: int) -> Request:
    """The GET of one page of a column's list API."""
    return Request(urljoin(base, f"api/all/{column}?page={page}&sid={sid}"))


def _article_item(article: dict[str, Any], url: str) -> ListItem | None:
    target = absolute_url(url, str(article.get("url") or article.get("post_url") or ""))
    title = clean_text(re.sub(r"<[^>]+>", "", str(article.get("title") or "")), limit=300)
    if target is None or not title:
        return None
    for key in _DATE_KEYS:
        value = article.get(key)
        found = value_date(value) if value not in (None, "", 0) else None
        if found is not None:
            text = value if isinstance(value, str) else found.isoformat()
            return ListItem(url=target, title=title, date=found, date_text=text[:40])
    return ListItem(url=target, title=title)


def _column(base: str, sid: str | None, page_url: str, node_id: str, name: str, href: str | None, parent: str | None) -> ColumnLink:
    """A gkmlpt column; listed through the API when it sits on this page's platform."""
    url = f"{base}index#{node_id}"
    if href:
        target = urljoin(page_url, href)
        if gkmlpt_base(target) not in (None, base):
            url = target  # another host's platform (e.g. the city portal): its page gives its SID
    own = gkmlpt_base(url) == base
    request = api_request(base, node_id, sid, 1) if sid and own else None
    return ColumnLink(url=url, name=clean_text(name, 60), parent_url=parent, request=request)


def _tree_columns(doc: str, base: str, sid: str | None, page_url: str) -> list[ColumnLink]:
    """Columns of a ``TREE: [...]`` category array: nested ``children`` or flat ``parent`` ids."""
    match = _TREE.search(doc)
    if not match:
        return []
    try:
        tree, _ = json.JSONDecoder().raw_decode(doc[match.start(1) : match.start(1) + _MAX_JSON_CHARS])
    except ValueError:
        return []
    nodes: list[tuple[dict[str, Any], Any]] = []

    def walk(items: Any, parent_id: Any) -> None:
        if not isinstance(items, list):
            return
        for node in items:
            if isinstance(node, dict) and "id" in node and node.get("name"):
                nodes.append((node, node.get("parent", parent_id)))
                walk(node.get("children"), node["id"])

    walk(tree, None)
    urls: dict[str, str] = {}
    columns: list[ColumnLink] = []
    for node, _ in nodes:
        column = _column(base, sid, page_url, str(node["id"]), str(node["name"]), node.get("url"), None)
        urls[str(node["id"])] = column.url
        columns.append(column)
    linked = []
    for column, (_, parent_id) in zip(columns, nodes):
        parent = urls.get(str(parent_id)) if parent_id not in (None, 0, "0", "") else None
        linked.append(ColumnLink(column.url, column.name, parent, column.request))
    return linked[: int(require("lists", "max_columns"))]


def _route_parent(anchor: Any) -> str | None:
    """The route id of the tree node enclosing ``anchor``'s list (``li > a + ul > li > a``)."""
    node = anchor.getparent()
    seen_list = False
    while node is not None:
        if node.tag in ("ul", "ol"):
            seen_list = True
        elif seen_list and node.tag == "li":
            for child in node.iterchildren("a"):
                match = _HREF_ROUTE.search(child.get("href") or "")
                if match and child is not anchor:
                    return match.group(1)
            return None
        node = node.getparent()
    return None


def _route_columns(doc: str, base: str, sid: str | None, page_url: str) -> list[ColumnLink]:
    """Columns linked as client-side routes (``/gkmlpt/index#16817``) in the page's tree."""
    tree = parse_document(doc)
    ids: dict[str, str] = {}
    found: list[tuple[str, str, str | None, str]] = []
    for anchor in tree.iter("a"):
        href = (anchor.get("href") or "").strip()
        match = _HREF_ROUTE.search(href)
        name = clean_text(element_text(anchor)) or clean_text(anchor.get("title") or "")
        if match and name:
            found.append((match.group(1), name, _route_parent(anchor), href))
    columns = []
    for node_id, name, parent_id, href in found:
        column = _column(base, sid, page_url, node_id, name, href, None)
        ids.setdefault(node_id, column.url)
        columns.append((column, parent_id))
    return [ColumnLink(c.url, c.name, ids.get(p) if p else None, c.request) for c, p in columns]


class GkmlptAdapter:
    """gkmlpt JSON API responses and directory pages."""

    family = "gkmlpt"

    def parse(
        self, doc: str, url: str, *, context: date | None = None, request: Request | None = None
    ) -> ListPage:
        """Parse an API response (items, every further page) or a directory page (columns)."""
        if doc.lstrip().startswith("{"):
            return self._parse_api(doc, url)
        page = parse_html_list(doc, url, self.family, context)
        base = gkmlpt_base(url)
        sid_match = _SID.search(doc)
        sid = sid_match.group(1) if sid_match else None
        if base is None:
            return page
        columns: dict[str, ColumnLink] = {}
        for column in _tree_columns(doc, base, sid, url) + _route_columns(doc, base, sid, url) + page.columns:
            columns.setdefault(column.url, column)
        page.columns = list(columns.values())[: int(require("lists", "max_columns"))]
        route = _ROUTE.search(url)
        if route and sid:
            page.next_requests = [api_request(base, route.group(1), sid, 1)]
        page.next_requests = dedupe_requests(page.next_requests, url)
        return page

    def _parse_api(self, doc: str, url: str) -> ListPage:
        page = ListPage(url=url, family=self.family)
        try:
            data = json.loads(doc[:_MAX_JSON_CHARS])
        except ValueError:
            return page
        if not isinstance(data, dict):
            return page
        articles = data.get("articles") if isinstance(data.get("articles"), list) else []
        page.items = [item for a in articles if isinstance(a, dict) and (item := _article_item(a, url))]
        total = data.get("total")
        query = parse_qs(urlsplit(url).query)
        page_text = (query.get("page") or ["1"])[0]
        current = int(page_text) if page_text.isdigit() else 1
        if not isinstance(total, int) or total <= 0 or not articles:
            return page
        if current != 1:
            # Page 1 stated the page count and requested every page; later pages add nothing.
            return page
        # The server's page size is what page 1 returned (it is full unless it holds everything).
        page.page_count = max(1, math.ceil(total / len(articles)))
        column = _API.search(url)
        sid = (query.get("sid") or [None])[0]
        base = gkmlpt_base(url)
        if column and sid and base:
            last = min(page.page_count, int(require("lists", "max_page_requests")))
            page.next_requests = [api_request(base, column.group(1), sid, n) for n in range(2, last + 1)]
        return page
