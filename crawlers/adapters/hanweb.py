"""Hanweb (大汉 JCMS / jpage) lists: the embedded datastore and ``dataproxy.jsp`` paging.

A column page carries its first records as XML inside ``<script type="text/xml">`` — an HTML
parser sees zero links there — so the script body is parsed as XML (with defusedxml: it is
untrusted) and each CDATA ``<record>`` is read as an HTML row, title from ``@title``. Further
records come from ``/module/web/jpage/dataproxy.jsp`` by POST: ``startrecord``, ``endrecord``
and ``perpage`` in the query string, and the form body ``col=1&appid=1&webid=…&path=/&
columnid=…&sourceContentType=1&unitid=…&webname=…&permissiontype=0``. ``unitid`` (the list
widget) is read from the page, never derived. The XML response gives ``<totalrecord>``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import parse_qs, quote, unquote, urljoin, urlsplit
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from crawlers._data import require
from crawlers._html import element_text, parse_document
from crawlers.adapters._nav import dedupe_requests
from crawlers.adapters._rows import find_rows, items_in_order, newest_full_date
from crawlers.adapters.generic import parse_html_list
from crawlers.model import ListItem, ListPage, Request

__all__ = ["HanwebAdapter", "JpageParams", "read_datastore", "dataproxy_request"]

DATAPROXY_PATH = "/module/web/jpage/dataproxy.jsp"
_MAX_XML_CHARS = 5_000_000
_DATASTORE = re.compile(r"<datastore\b.*?</datastore>", re.S | re.I)
_CDATA_RECORD = re.compile(r"<record\b[^>]*>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S | re.I)
_CDATA_NEXT = re.compile(r"<nextgroup\b[^>]*>\s*<!\[CDATA\[(.*?)\]\]>", re.S | re.I)
_TAG_NUMBER = r"<{tag}>\s*(\d+)\s*</{tag}>"
_WIDGET_ID = re.compile(r"<div[^>]+id\s*=\s*['\"]?(\d{2,})['\"]?[^>]*>\s*<script[^>]+text/xml", re.I)


def _param(doc: str, name: str) -> str | None:
    match = re.search(rf"\b{name}\b['\"]?\s*[:=]\s*['\"]?([^'\"&,;\s)}}]+)", doc, re.I)
    return match.group(1) if match else None


def _unquote_all(value: str) -> str:
    """``webname`` is often percent-encoded twice in the nextgroup link."""
    for _ in range(3):
        decoded = unquote(value)
        if decoded == value:
            break
        value = decoded
    return value


@dataclass(frozen=True)
class JpageParams:
    """The parameters a ``dataproxy.jsp`` request needs, read from a column page."""

    webid: str
    columnid: str
    unitid: str
    webname: str = ""
    source_content_type: str = "1"
    perpage: int = 15
    group_size: int = 3
    total: int | None = None

    def body(self) -> str:
        """The form body in the order Hanweb pages send it."""
        fields = [
            ("col", "1"), ("appid", "1"), ("webid", self.webid), ("path", "/"),
            ("columnid", self.columnid), ("sourceContentType", self.source_content_type),
            ("unitid", self.unitid), ("webname", self.webname), ("permissiontype", "0"),
        ]
        return "&".join(f"{key}={quote(value, safe='/')}" for key, value in fields)


def dataproxy_request(page_url: str, params: JpageParams, start: int) -> Request:
    """The POST for records ``start`` … ``start + group_size × perpage − 1``."""
    end = start + params.group_size * params.perpage - 1
    url = urljoin(page_url, DATAPROXY_PATH) + f"?startrecord={start}&endrecord={end}&perpage={params.perpage}"
    return Request(
        url=url,
        method="POST",
        body=params.body(),
        headers=(("Content-Type", "application/x-www-form-urlencoded; charset=UTF-8"),),
    )


def read_datastore(xml: str) -> tuple[list[str], int | None, int | None, str | None]:
    """``(record_html_list, totalrecord, totalpage, nextgroup_html)`` of a datastore document."""
    xml = xml[:_MAX_XML_CHARS]
    try:
        root = fromstring(xml.encode("utf-8"))
    except (ParseError, DefusedXmlException, ValueError):
        root = None
    if root is not None and root.tag.lower() == "datastore":
        records = [r.text or "" for r in root.iter("record")]
        total = _int(root.findtext("totalrecord"))
        pages = _int(root.findtext("totalpage"))
        nextgroup = root.findtext("nextgroup")
        return records, total, pages, nextgroup
    # Not well-formed (or refused by defusedxml): read the CDATA sections only.
    records = _CDATA_RECORD.findall(xml)
    total_match = re.search(_TAG_NUMBER.format(tag="totalrecord"), xml, re.I)
    pages_match = re.search(_TAG_NUMBER.format(tag="totalpage"), xml, re.I)
    next_match = _CDATA_NEXT.search(xml)
    return (
        records,
        int(total_match.group(1)) if total_match else None,
        int(pages_match.group(1)) if pages_match else None,
        next_match.group(1) if next_match else None,
    )


def _int(text: str | None) -> int | None:
    text = (text or "").strip()
    return int(text) if text.isdigit() else None


def _record_items(records: list[str], base_url: str, context: date | None) -> list[ListItem]:
    fragment = parse_document(
        "<html><body>" + "".join(f"<div class='hanweb-record'>{r}</div>" for r in records) + "</body></html>"
    )
    rows = []
    for wrapper in fragment.find("body").iterchildren("div"):
        found = find_rows(wrapper, base_url)
        if found:
            rows.append(max(found, key=lambda row: len(row.anchor.get("title") or element_text(row.anchor))))
    return items_in_order(rows, context or newest_full_date(rows) or date.today())


def _page_params(doc: str, url: str, nextgroup: str | None, total: int | None) -> JpageParams | None:
    link: dict[str, list[str]] = {}
    if nextgroup:
        href = re.search(r"href\s*=\s*['\"]([^'\"]+)", nextgroup)
        if href:
            link = parse_qs(urlsplit(href.group(1).replace("&amp;", "&")).query)

    def pick(name: str) -> str | None:
        return (link.get(name) or [None])[0] or _param(doc, name)

    column = re.search(r"/col/col(\d+)/", url)
    columnid = pick("columnid") or (column.group(1) if column else None)
    widget = _WIDGET_ID.search(doc)
    unitid = pick("unitid") or (widget.group(1) if widget else None)
    webid = pick("webid")
    if not (columnid and unitid and webid):
        return None
    perpage = _int(_param(doc, "perpage")) or int(require("lists", "hanweb_perpage"))
    group = _int(_param(doc, "groupSize")) or int(require("lists", "hanweb_group_size"))
    total = total if total is not None else _int(_param(doc, "totalRecord"))
    return JpageParams(
        webid=webid,
        columnid=columnid,
        unitid=unitid,
        webname=_unquote_all(pick("webname") or ""),
        source_content_type=pick("sourceContentType") or "1",
        perpage=perpage,
        group_size=group,
        total=total,
    )


class HanwebAdapter:
    """Hanweb column pages (datastore + dataproxy POSTs) and ``dataproxy.jsp`` XML responses."""

    family = "hanweb"

    def parse(
        self, doc: str, url: str, *, context: date | None = None, request: Request | None = None
    ) -> ListPage:
        """Parse a column page or a dataproxy response (pass its ``request`` to chain the next)."""
        stripped = doc.lstrip()
        if "dataproxy.jsp" in url and (stripped.startswith("<?xml") or stripped[:200].lower().startswith("<datastore")):
            return self._parse_response(doc, url, context, request)
        page = parse_html_list(doc, url, self.family, context)
        store = _DATASTORE.search(doc)
        if store is None:
            page.next_requests = dedupe_requests(page.next_requests, url)
            return page
        records, total, _, nextgroup = read_datastore(store.group(0))
        page.items = _record_items(records, url, context)
        item_urls = {item.url for item in page.items}
        page.columns = [c for c in page.columns if c.url not in item_urls]
        params = _page_params(doc, url, nextgroup, total)
        page.next_requests = []
        if params is None:
            return page
        if params.total is not None:
            page.page_count = max(1, math.ceil(params.total / params.perpage))
        page.next_requests = self._requests_after(url, params, len(records), params.total)
        return page

    def _requests_after(self, url: str, params: JpageParams, fetched: int, total: int | None) -> list[Request]:
        group = params.group_size * params.perpage
        limit = int(require("lists", "max_page_requests"))
        if total is None:
            # Unknown total: ask for one more group only when the embedded one was full.
            return [dataproxy_request(url, params, fetched + 1)] if fetched >= group else []
        starts = range(fetched + 1, total + 1, group)
        return [dataproxy_request(url, params, start) for start in list(starts)[:limit]]

    def _parse_response(self, doc: str, url: str, context: date | None, request: Request | None) -> ListPage:
        records, total, pages, _ = read_datastore(doc)
        page = ListPage(url=url, family=self.family, items=_record_items(records, url, context))
        query = parse_qs(urlsplit(url).query)
        perpage = _int((query.get("perpage") or [None])[0])
        if total is not None and perpage:
            page.page_count = max(1, math.ceil(total / perpage))
        elif pages is not None:
            page.page_count = pages
        if not records:
            return page
        end = _int((query.get("endrecord") or [None])[0])
        if end is not None and request is not None and request.method == "POST":
            if total is not None and end < total:
                start = end + 1
                first = _int((query.get("startrecord") or [None])[0]) or 1
                new_end = start + (end - first)
                next_url = re.sub(r"startrecord=\d+", f"startrecord={start}", url)
                next_url = re.sub(r"endrecord=\d+", f"endrecord={new_end}", next_url)
                page.next_requests = [Request(next_url, "POST", request.body, request.headers)]
            return page
        current = _int((query.get("page") or [None])[0])
        if current is not None and pages is not None and current < pages:
            page.next_requests = [Request(re.sub(r"\bpage=\d+", f"page={current + 1}", url))]
        return page
