"""What every CMS family shares: the response type, the per-site index, boilerplate, dates,
metadata-block layouts, body rendering and charset encoding.

Content of the demo model is treated like crawled content: every text is HTML-escaped (or kept
out of CDATA terminators) and bounded before it reaches a page.
"""

from __future__ import annotations

import hashlib
import html
import re
import zlib
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import yaml

from evaluator.demo.model import DemoAttachment, DemoColumn, DemoDocument, DemoSite

CHINA_TZ = timezone(timedelta(hours=8))
PAGE_SIZE = 15
_DATA = Path(__file__).parent / "data" / "boilerplate.yaml"
_SLUG = re.compile(r"[A-Za-z0-9_-]{1,40}")
_CN_DIGITS = "〇一二三四五六七八九"
_RESERVED = frozenset({"xxgk", "uploadfiles", "module", "col", "art", "gkmlpt", "attachment", "robots.txt"})
_MAX_TEXT = 20_000  # characters of one paragraph/title that reach a page


@dataclass(frozen=True)
class Response:
    """One HTTP answer of the demo server, before faults are applied.

    ``kind`` says what was rendered (root, list, article, attachment, api, challenge,
    robots, not_found, …) for tests and the request log; ``last_modified`` and ``etag`` are
    set on articles and attachments so the server can answer conditional requests with 304.
    """

    status: int
    body: bytes
    content_type: str
    headers: tuple[tuple[str, str], ...] = ()
    kind: str = "page"
    last_modified: datetime | None = None
    etag: str | None = None
    column_key: str | None = None  # the column the page belongs to (lists, articles, attachments)


@dataclass(frozen=True)
class Origins:
    """Scheme + host + port of the bureau and the city-portal servers of one site."""

    bureau: str = "http://bureau.invalid"
    portal: str = "http://portal.invalid"


@dataclass(frozen=True)
class Request:
    """A request as the renderer sees it: which host it reached and its parsed parts."""

    host: str  # "bureau" | "portal"
    path: str
    query: dict[str, str] = field(default_factory=dict)
    method: str = "GET"
    body: dict[str, str] = field(default_factory=dict)
    origins: Origins = field(default_factory=Origins)


@lru_cache(maxsize=1)
def boilerplate() -> dict[str, Any]:
    """The boilerplate data file (nav, footer links, friendly links, metadata labels)."""
    with _DATA.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def esc(text: str | None, limit: int = _MAX_TEXT) -> str:
    """``text`` bounded to ``limit`` characters and escaped for HTML text and attributes."""
    return html.escape((text or "")[:limit], quote=True)


def cdata(text: str) -> str:
    """``text`` wrapped in CDATA, with any ``]]>`` split so it cannot end the section early."""
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def stable_int(*parts: object) -> int:
    """A stable non-negative integer from ``parts`` (never Python's salted ``hash``)."""
    return int.from_bytes(hashlib.sha256(":".join(map(str, parts)).encode("utf-8")).digest()[:8], "big")


def portal_prefix(site: DemoSite) -> str:
    """The city-portal channel of the bureau, e.g. ``/c01hjj`` (like ``www.zhaoqing.gov.cn/zqhjj``)."""
    return portal_prefix_of(site.site_id, site.index)


def portal_prefix_of(site_id: str, index: int) -> str:
    """:func:`portal_prefix` from the site id and index alone (no need to build the site)."""
    digits = "".join(ch for ch in site_id if ch.isdigit()) or str(index)
    return f"/c{digits}hjj"


def site_code(site: DemoSite) -> str:
    """The 10-character 网站标识码 (SiteIDCode) of the bureau site."""
    return f"99{site.index % 100:02d}0000{site.index % 100:02d}"


def publish_time(doc: DemoDocument) -> datetime:
    """The publish moment (China time): the model's date with a time of day from the doc id."""
    minutes = stable_int("time", doc.doc_id) % (9 * 60)
    moment = datetime(doc.publish_date.year, doc.publish_date.month, doc.publish_date.day, 8, 30, tzinfo=CHINA_TZ)
    return moment + timedelta(minutes=minutes, seconds=stable_int("sec", doc.doc_id) % 60)


def http_date(moment: datetime) -> str:
    """``moment`` in the IMF-fixdate form of HTTP headers."""
    utc = moment.astimezone(timezone.utc)
    days = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    months = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    return f"{days[utc.weekday()]}, {utc.day:02d} {months[utc.month - 1]} {utc.year} {utc:%H:%M:%S} GMT"


def iso(day: date) -> str:
    """``2025-03-05``."""
    return day.isoformat()


def cn_date(day: date, padded: bool = False) -> str:
    """``2025年3月5日`` (or ``2025年03月05日`` when ``padded``)."""
    if padded:
        return f"{day.year}年{day.month:02d}月{day.day:02d}日"
    return f"{day.year}年{day.month}月{day.day}日"


def _cn_number(value: int) -> str:
    """Month/day numbers as written in a 落款: 三, 十, 十二, 二十, 三十一."""
    if value < 10:
        return _CN_DIGITS[value]
    tens, units = divmod(value, 10)
    return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + (_CN_DIGITS[units] if units else "")


def cn_numeral_date(day: date) -> str:
    """``二〇二五年三月五日``: the form of dates under signatures of formal documents."""
    year = "".join(_CN_DIGITS[int(ch)] for ch in str(day.year))
    return f"{year}年{_cn_number(day.month)}月{_cn_number(day.day)}日"


_SIGNATURE_DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")


def signature_lines(doc: DemoDocument) -> list[str]:
    """The document's 落款 lines; about half of the dated ones in the 二〇二五年三月五日 form."""
    if not doc.signature:
        return []
    numeral = stable_int("numeral", doc.doc_id) % 2 == 0

    def convert(match: re.Match[str]) -> str:
        try:
            day = date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            return match.group(0)
        return cn_numeral_date(day)

    return [_SIGNATURE_DATE.sub(convert, line) if numeral else line for line in doc.signature]


def doc_number_variant(doc: DemoDocument) -> str | None:
    """The 文号 with its year brackets written in one of the real variants (〔〕, [], （）, ［］)."""
    if not doc.doc_number:
        return None
    forms = boilerplate()["number_brackets"]
    left, right = forms[stable_int("brackets", doc.doc_id) % len(forms)]
    return re.sub(r"[〔\[（(［](\d{4})[〕\]）)］]", lambda m: f"{left}{m.group(1)}{right}", doc.doc_number)


def encode_text(site: DemoSite, text: str) -> bytes:
    """``text`` in the site's real encoding; characters outside GBK become numeric references."""
    if site.encoding.lower() in ("gbk", "gb2312", "gb18030"):
        return text.encode("gbk", errors="xmlcharrefreplace")
    return text.encode("utf-8")


def header_declares_charset(site: DemoSite) -> bool:
    """Whether the HTTP Content-Type names a charset (two sites in three do, when one is declared)."""
    return site.declared_charset is not None and site.index % 3 != 0


def html_content_type(site: DemoSite) -> str:
    """The Content-Type of the site's HTML pages, with the declared charset or without one."""
    if header_declares_charset(site):
        return f"text/html; charset={site.declared_charset}"
    return "text/html"


def meta_charset(site: DemoSite, old_style: bool) -> str:
    """The page's charset declaration (``http-equiv`` form on old templates), or nothing."""
    if site.declared_charset is None:
        return ""
    if old_style:
        return f'<meta http-equiv="Content-Type" content="text/html; charset={esc(site.declared_charset)}">\n'
    return f'<meta charset="{esc(site.declared_charset)}">\n'


def html_response(site: DemoSite, page: str, kind: str, status: int = 200, **extra: Any) -> Response:
    """An HTML page encoded for the site, with its Content-Type."""
    return Response(status=status, body=encode_text(site, page), content_type=html_content_type(site), kind=kind, **extra)


def article_validators(body: bytes, doc: DemoDocument) -> dict[str, Any]:
    """``last_modified`` and ``etag`` for an article or attachment body."""
    return {"last_modified": publish_time(doc), "etag": '"' + hashlib.sha1(body).hexdigest()[:20] + '"'}


class SiteView:
    """An index over one :class:`DemoSite` for fast routing: columns, tree, documents per column.

    Built once per site object (see :func:`view_of`); only ``cache`` (the families' route tables)
    fills in later, on first use.
    """

    def __init__(self, site: DemoSite) -> None:
        self.site = site
        self.columns: dict[str, DemoColumn] = {}
        for col in site.columns:
            self.columns.setdefault(col.key, col)  # a repeated key is one column: the first wins
        self.children: dict[str | None, list[DemoColumn]] = defaultdict(list)
        for col in self.columns.values():
            parent = col.parent_key if col.parent_key in self.columns and col.parent_key != col.key else None
            self.children[parent].append(col)
        self.docs: dict[str, list[DemoDocument]] = defaultdict(list)
        self.by_id: dict[int, DemoDocument] = {}
        for doc in site.documents:
            self.docs[doc.column_key].append(doc)
            self.by_id[doc.doc_id] = doc
        for docs in self.docs.values():
            docs.sort(key=lambda d: -d.publish_date.toordinal())  # stable: the model's order within a day
        self.blocked = {col.key for col in site.columns if col.blocked} | set(site.faults.challenge_column_keys)
        self.numbers: dict[str, int] = {}
        self.by_number: dict[int, DemoColumn] = {}
        for col in self.columns.values():
            number = int(col.key) if col.key.isdigit() and len(col.key) <= 9 else 10000 + zlib.crc32(
                f"{site.site_id}:{col.key}".encode("utf-8")
            ) % 89000
            while number in self.by_number:
                number += 1
            self.numbers[col.key] = number
            self.by_number[number] = col
        self.slugs: dict[str, str] = {}
        self.by_slug: dict[str, DemoColumn] = {}
        for col in self.columns.values():
            candidates = (col.key.rsplit("/", 1)[-1], col.key.replace("/", "_"), f"c{self.numbers[col.key]}")
            slug = next(
                c for c in candidates if (_SLUG.fullmatch(c) and c not in _RESERVED and c not in self.by_slug)
                or c == candidates[-1]
            )
            self.slugs[col.key] = slug
            self.by_slug[slug] = col
        self.cache: dict[str, Any] = {}  # per-family route tables, filled on first use
        self.attachments: dict[str, tuple[DemoDocument, DemoAttachment]] = {}
        for doc in site.documents:
            for att in doc.attachments:
                self.attachments.setdefault(att.key, (doc, att))

    def host_of_column(self, col: DemoColumn) -> str:
        """``portal`` or ``bureau``."""
        return "portal" if col.on_portal else "bureau"

    def host_of_doc(self, doc: DemoDocument) -> str:
        """``portal`` or ``bureau``."""
        return "portal" if doc.on_portal else "bureau"

    def prefix(self, host: str) -> str:
        """The path prefix of the site's pages on ``host`` (empty on the bureau host)."""
        return portal_prefix(self.site) if host == "portal" else ""

    def ancestors(self, col: DemoColumn) -> list[DemoColumn]:
        """The column's parents, root-most first, ending with ``col`` itself."""
        col = self.columns.get(col.key, col)
        chain = [col]
        seen = {col.key}
        while chain[0].parent_key and chain[0].parent_key in self.columns and chain[0].parent_key not in seen:
            seen.add(chain[0].parent_key)
            chain.insert(0, self.columns[chain[0].parent_key])
        return chain

    def is_blocked(self, col: DemoColumn | None) -> bool:
        """Whether ``col`` answers with the 412 challenge (itself or a blocked parent)."""
        return col is not None and any(c.key in self.blocked for c in self.ancestors(col))

    def doc_column(self, doc: DemoDocument) -> DemoColumn | None:
        """The column a document is listed under (None when the model names an unknown key)."""
        return self.columns.get(doc.column_key)

    def link(self, req: Request, target_host: str, path: str) -> str:
        """``path`` as seen from a page on ``req.host``: relative-to-root, or absolute across hosts."""
        if target_host == req.host:
            return path
        origin = req.origins.portal if target_host == "portal" else req.origins.bureau
        return origin + path


_VIEWS: dict[int, tuple[DemoSite, SiteView]] = {}
_VIEW_LIMIT = 64


def view_of(site: DemoSite) -> SiteView:
    """The (cached) :class:`SiteView` of ``site``; a bounded cache keyed by object identity."""
    cached = _VIEWS.get(id(site))
    if cached is not None and cached[0] is site:
        return cached[1]
    view = SiteView(site)
    if len(_VIEWS) >= _VIEW_LIMIT:
        _VIEWS.pop(next(iter(_VIEWS)))
    _VIEWS[id(site)] = (site, view)
    return view


# ---------------------------------------------------------------- page furniture


def header_html(view: SiteView, req: Request, xxgk_href: str) -> str:
    """The site header: name banner and the top navigation."""
    site = view.site
    items = []
    for entry in boilerplate()["nav"]:
        href = xxgk_href if entry["href"] == "@xxgk" else entry["href"]
        if href.startswith("/") and req.host == "portal" and entry["href"] != "@xxgk":
            href = req.origins.bureau + href
        items.append(f'<li><a href="{esc(href)}" target="_blank">{esc(entry["name"])}</a></li>')
    return (
        '<div class="header"><div class="logo"><a href="'
        + esc(req.origins.bureau + "/" if req.host == "portal" else "/")
        + f'"><h1>{esc(site.name)}</h1></a></div>'
        + '<div class="nav"><ul>'
        + "".join(items)
        + "</ul></div></div>\n"
    )


def footer_html(view: SiteView) -> str:
    """The footer: many government links, friendly-link selects, 纠错 and 党政机关 scripts."""
    data = boilerplate()
    site = view.site
    links = "".join(
        f'<li><a href="{esc(link["url"])}" target="_blank">{esc(link["name"])}</a></li>'
        for link in data["footer_links"]
    )
    selects = "".join(
        '<select onchange="if(this.value){window.open(this.value);}">'
        f'<option value="">{esc(group["title"])}</option>'
        + "".join(f'<option value="{esc(o["url"])}">{esc(o["name"])}</option>' for o in group["options"])
        + "</select>"
        for group in data["friendly_selects"]
    )
    jiucuo = data["jiucuo_hosts"][site.index % len(data["jiucuo_hosts"])]
    code = site_code(site)
    return (
        '<div class="footer">\n<div class="yqlj"><span>友情链接：</span>' + selects + "</div>\n"
        '<div class="gov-links"><ul>' + links + "</ul></div>\n"
        f"<p>主办：{esc(site.name)}　网站标识码：{code}</p>\n"
        f"<p>地址：{esc(site.region)}政务中心　联系电话：0000-12369</p>\n"
        f'<script id="_jiucuo_" sitecode="{code}" src="{esc(jiucuo)}"></script>\n'
        f'<span id="_ideConac"><script type="text/javascript" src="{esc(data["conac_badge"])}"></script></span>\n'
        "</div>\n"
    )


def breadcrumb_html(view: SiteView, req: Request, root_href: str, col: DemoColumn | None, href_of: Any) -> str:
    """``首页 > 政府信息公开 > parent > column`` with links (``href_of(col)`` gives column links)."""
    home = req.origins.bureau + "/" if req.host == "portal" else "/"
    parts = [f'<a href="{esc(home)}">首页</a>', f'<a href="{esc(root_href)}">政府信息公开</a>']
    if col is not None:
        parts.extend(f'<a href="{esc(href_of(c))}">{esc(c.name)}</a>' for c in view.ancestors(col))
    return '<div class="position">当前位置：' + " &gt; ".join(parts) + "</div>\n"


def column_tree_html(view: SiteView, href_of: Any, parent: str | None = None, depth: int = 0) -> str:
    """A nested ``<ul>`` of every column below ``parent`` (parents list their children)."""
    cols = view.children.get(parent, [])
    if not cols or depth > 8:
        return ""
    items = []
    for col in cols:
        sub = column_tree_html(view, href_of, col.key, depth + 1)
        items.append(f'<li><a href="{esc(href_of(col))}" title="{esc(col.name)}">{esc(col.name)}</a>{sub}</li>')
    return f'<ul class="tree level{depth}">' + "".join(items) + "</ul>"


def meta_rows(view: SiteView, doc: DemoDocument, family: str, date_style: str) -> list[tuple[str, str]]:
    """(label, value) rows of the metadata block; 成文日期 only when the page states it there."""
    rows = []
    for field_name, label in boilerplate()["meta_labels"][family]:
        if field_name == "index":
            value = doc.index_number
        elif field_name == "topic":
            value = doc.topic
        elif field_name == "publisher":
            value = doc.publisher
        elif field_name == "formation":
            if doc.formation_shown != "meta_block" or doc.formation_date is None:
                continue
            value = cn_date(doc.formation_date, padded=True) if date_style == "cn" else iso(doc.formation_date)
        elif field_name == "number":
            value = doc_number_variant(doc) or "无"
        else:
            value = cn_date(doc.publish_date, padded=True) if date_style == "cn" else iso(doc.publish_date)
        rows.append((label, value))
    return rows


def meta_block_html(view: SiteView, rows: list[tuple[str, str]], family: str) -> str:
    """The metadata block in the site's layout (4-column table, 2-column table, strong, dl)."""
    layouts = boilerplate()["meta_layouts"][family]
    layout = layouts[view.site.index % len(layouts)]
    if layout == "table4":
        cells = [f'<td class="t">{esc(label)}：</td><td class="v">{esc(value)}</td>' for label, value in rows]
        body = "".join("<tr>" + "".join(cells[i : i + 2]) + "</tr>" for i in range(0, len(cells), 2))
        return f'<table class="xxgk-table" cellpadding="0" cellspacing="0"><tbody>{body}</tbody></table>\n'
    if layout == "table2":
        body = "".join(f"<tr><th>{esc(label)}</th><td>：{esc(value)}</td></tr>" for label, value in rows)
        return f'<table class="gk-info"><tbody>{body}</tbody></table>\n'
    if layout == "strong":
        return '<div class="xxgk-info">' + "".join(
            f"<p><strong>{esc(label)}</strong>：{esc(value)}</p>" for label, value in rows
        ) + "</div>\n"
    return '<dl class="xxgk-meta">' + "".join(f"<dt>{esc(label)}：</dt><dd>{esc(value)}</dd>" for label, value in rows) + "</dl>\n"


def body_paragraphs_html(doc: DemoDocument) -> str:
    """The body paragraphs, then the 落款 lines right-aligned."""
    paragraphs = "".join(f'<p style="text-indent:2em;">{esc(text)}</p>\n' for text in doc.paragraphs)
    signature = "".join(f'<p style="text-align:right;">{esc(line)}</p>\n' for line in signature_lines(doc))
    return paragraphs + signature


def attachment_list_html(links: list[tuple[str, str]]) -> str:
    """``附件：`` and one link per attachment (href, display name)."""
    if not links:
        return ""
    items = "".join(f'<li><a href="{esc(href)}" target="_blank">{esc(name)}</a></li>' for href, name in links)
    return f'<div class="fj"><p>附件：</p><ul>{items}</ul></div>\n'


def attachment_lines(site: DemoSite, doc: DemoDocument, att: DemoAttachment) -> list[str]:
    """The text lines inside an attachment file (ASCII identification, then the body)."""
    return [f"{site.site_id} document {doc.doc_id} attachment {att.key}", *doc.paragraphs[:12]]


def quote_name(name: str) -> str:
    """``name`` percent-encoded as UTF-8 for a query value."""
    return quote(name, safe="")


def page_count(total: int, size: int = PAGE_SIZE) -> int:
    """Number of list pages for ``total`` records (1 for an empty list)."""
    return max(1, -(-total // size))


def page_html(
    view: SiteView,
    req: Request,
    *,
    title: str,
    head: str,
    content: str,
    root_href: str,
    old_style: bool = False,
    scripts: str = "",
) -> str:
    """A whole page: doctype, charset, title, extra head tags, header, content, footer."""
    doctype = (
        '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
        '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n'
        '<html xmlns="http://www.w3.org/1999/xhtml">\n'
        if old_style
        else '<!DOCTYPE html>\n<html lang="zh-CN">\n'
    )
    return (
        doctype
        + "<head>\n"
        + meta_charset(view.site, old_style)
        + f"<title>{esc(title, 300)}</title>\n"
        + head
        + scripts
        + "</head>\n<body>\n"
        + header_html(view, req, root_href)
        + '<div class="container">\n'
        + content
        + "</div>\n"
        + footer_html(view)
        + "</body>\n</html>\n"
    )


def not_found(view: SiteView, req: Request) -> Response:
    """The site's 404 page (a real, styled page: many CMSs answer that way)."""
    body = (
        "<!DOCTYPE html>\n<html><head>\n"
        + meta_charset(view.site, False)
        + "<title>404 页面不存在</title></head><body>"
        + '<div class="error"><h2>抱歉，您访问的页面不存在或已被删除！</h2>'
        + f'<p><a href="/">返回{esc(view.site.name)}首页</a></p></div></body></html>\n'
    )
    return html_response(view.site, body, "not_found", status=404)


def attachment_response(view: SiteView, doc: DemoDocument, att: DemoAttachment, req: Request) -> Response:
    """The attachment's bytes (404 when the model marks it broken)."""
    from evaluator.demo.render.files import CONTENT_TYPES, attachment_bytes

    if att.broken or att.ext not in CONTENT_TYPES:
        return not_found(view, req)
    data = attachment_bytes(att.ext, att.name, attachment_lines(view.site, doc, att))
    filename = att.name if att.name.lower().endswith("." + att.ext) else f"{att.name}.{att.ext}"
    headers = (("Content-Disposition", f"attachment; filename*=UTF-8''{quote_name(filename)}"),)
    return Response(
        status=200,
        body=data,
        content_type=CONTENT_TYPES[att.ext],
        headers=headers,
        kind="attachment",
        **article_validators(data, doc),
    )


def robots_response(view: SiteView, req: Request) -> Response:
    """robots.txt: the site's disallow rules, 404 when it has none; the portal keeps a short one."""
    if req.host == "portal":
        text = "User-agent: *\nDisallow: /was5/\nDisallow: /search/\n"
    elif view.site.faults.robots_disallow:
        text = "User-agent: *\n" + "".join(f"Disallow: {rule}\n" for rule in view.site.faults.robots_disallow)
    else:
        return not_found(view, req)
    return Response(status=200, body=text.encode("ascii", "replace"), content_type="text/plain", kind="robots")


def list_row_title(title: str, limit: int) -> str:
    """The visible title of a list row: cut to ``limit`` characters with ``...``."""
    return title if len(title) <= limit else title[:limit] + "..."


def tagged(response: Response | None, col: DemoColumn | None) -> Response | None:
    """``response`` marked with the column it belongs to (the server's slow-column knob uses it)."""
    if response is None or col is None:
        return response
    return replace(response, column_key=col.key)
