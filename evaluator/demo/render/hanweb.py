"""Hanweb (大汉 JCMS / jpage) style: lists are XML data, further pages come from dataproxy.jsp.

Layout (on the portal host below the bureau's channel prefix):

- Columns ``/col/col<id>/index.html`` (the 政府信息公开 root is a column too). The page embeds the
  first group of records (45) as CDATA inside ``<script type="text/xml"><datastore>``, with a
  ``nextgroup`` link whose ``webname`` is percent-encoded twice; the widget's ``unitid`` is in the
  ``div`` id and the Pager script, not derivable from the column id.
- ``/module/web/jpage/dataproxy.jsp``: POST with ``startrecord/endrecord/perpage`` in the query
  and ``columnid/unitid/webid…`` in the form body, or GET ``page=N`` (15 per page). The answer is
  XML with ``totalrecord``, ``totalpage`` and CDATA records; a wrong ``unitid`` gets no records.
- Records: ``<li><a href title="FULL TITLE">truncated...</a><span>2025-03-05</span></li>``.
- Articles ``/art/YYYY/M/D/art_<col>_<id>.html`` (month and day not zero-padded); a ``Maketime``
  meta with the page's later regeneration time (also its Last-Modified), PubDate, the body between
  ``<!--ZJEG_RSS.content.begin-->`` markers in ``div#zoom``.
- Attachments ``/module/download/downfile.jsp?classid=0&filename=<hex>.<ext>&showname=<name>``.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime, timedelta

from evaluator.demo.model import DemoAttachment, DemoColumn, DemoDocument
from evaluator.demo.render.challenge import challenge_response, guarded
from evaluator.demo.render.common import (
    CHINA_TZ,
    PAGE_SIZE,
    Request,
    Response,
    SiteView,
    article_validators,
    attachment_list_html,
    attachment_response,
    body_paragraphs_html,
    breadcrumb_html,
    cdata,
    cn_date,
    column_tree_html,
    esc,
    html_response,
    list_row_title,
    meta_block_html,
    meta_rows,
    page_html,
    publish_time,
    quote_name,
    stable_int,
    tagged,
)

GROUP = 3 * PAGE_SIZE  # records per dataproxy request and in the embedded first group
MAX_RECORDS = 300  # most records one dataproxy request returns
_COLUMN = re.compile(r"/col/col(\d{1,9})/(?:index\.html)?")
_ARTICLE = re.compile(r"/art/(\d{4})/(\d{1,2})/(\d{1,2})/art_(\d{1,9})_(\d{1,12})\.html")
_TITLE_LIMIT = 22


def webid(view: SiteView) -> int:
    """The site's Hanweb ``webid``."""
    return 10 + view.site.index


def root_number(view: SiteView) -> int:
    """Column id of the 政府信息公开 root (never one of the columns' ids)."""
    number = 90000 + view.site.index
    while number in view.by_number:
        number += 1
    return number


def unitid(view: SiteView, col: DemoColumn | None) -> int:
    """The list widget's ``unitid`` on the column page (unrelated to the column id)."""
    key = col.key if col else "root"
    return 100000 + stable_int("unitid", view.site.site_id, key) % 800000


def entry_path(view: SiteView, host: str = "bureau") -> str:
    """The 政府信息公开 root column on ``host``."""
    return f"{view.prefix(host)}/col/col{root_number(view)}/index.html"


def column_path(view: SiteView, col: DemoColumn) -> str:
    """``/col/col<id>/index.html`` on the column's host."""
    return f"{view.prefix(view.host_of_column(col))}/col/col{view.numbers[col.key]}/index.html"


def article_path(view: SiteView, doc: DemoDocument) -> str:
    """``/art/YYYY/M/D/art_<col>_<id>.html`` (not zero-padded) on the document's host."""
    day = doc.publish_date
    number = view.numbers.get(doc.column_key, root_number(view))
    return f"{view.prefix(view.host_of_doc(doc))}/art/{day.year}/{day.month}/{day.day}/art_{number}_{doc.doc_id}.html"


def attachment_path(view: SiteView, doc: DemoDocument, att: DemoAttachment) -> str:
    """``/module/download/downfile.jsp?classid=0&filename=<key>.<ext>&showname=<name>``."""
    return (
        f"{view.prefix(view.host_of_doc(doc))}/module/download/downfile.jsp?classid=0"
        f"&filename={att.key}.{att.ext}&showname={quote_name(att.name)}"
    )


def maketime(view: SiteView, doc: DemoDocument) -> datetime:
    """The page (re)generation time: a site-wide rebuild in January 2026, always after publication."""
    rebuild = datetime(2026, 1, 5 + view.site.index % 20, 2, 10 + view.site.index % 40, 7, tzinfo=CHINA_TZ)
    published = publish_time(doc)
    return rebuild if rebuild > published else published + timedelta(days=3, minutes=17)


def route(view: SiteView, req: Request) -> Response | None:
    """Answer ``req`` if it is a Hanweb page of this site; None for "no such page"."""
    prefix = view.prefix(req.host)
    if not req.path.startswith(prefix + "/"):
        return None
    tail = req.path[len(prefix) :]
    if tail == "/module/web/jpage/dataproxy.jsp":
        return _dataproxy(view, req)
    if tail == "/module/download/downfile.jsp":
        return _download(view, req)
    match = _COLUMN.fullmatch(tail)
    if match:
        number = int(match.group(1))
        if number == root_number(view):
            return _root(view, req)
        col = view.by_number.get(number)
        if col is None or view.host_of_column(col) != req.host:
            return None
        return guarded(view, req, col, lambda: _column(view, req, col))
    match = _ARTICLE.fullmatch(tail)
    if match:
        doc = view.by_id.get(int(match.group(5)))
        if doc is None or view.host_of_doc(doc) != req.host or article_path(view, doc) != req.path:
            return None
        return guarded(view, req, view.doc_column(doc), lambda: _article(view, req, doc))
    return None


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value not in (None, "") else default
    except ValueError:
        return default


def _href(view: SiteView, req: Request, col: DemoColumn) -> str:
    return view.link(req, view.host_of_column(col), column_path(view, col))


def _record(view: SiteView, req: Request, doc: DemoDocument) -> str:
    href = view.link(req, view.host_of_doc(doc), article_path(view, doc))
    return (
        f'<li><a href="{esc(href)}" title="{esc(doc.title)}" target="_blank">'
        f"{esc(list_row_title(doc.title, _TITLE_LIMIT))}</a><span class=\"bt-data-time\">"
        f"{doc.publish_date.isoformat()}</span></li>"
    )


def _webname(view: SiteView) -> str:
    """The site name percent-encoded twice, as ``nextgroup`` links carry it."""
    return quote_name(quote_name(view.site.name))


def _datastore(view: SiteView, req: Request, col: DemoColumn) -> str:
    docs = view.docs.get(col.key, [])
    records = "\n".join(f"<record>{cdata(_record(view, req, doc))}</record>" for doc in docs[:GROUP])
    nextgroup = (
        f'<a href="{view.prefix(req.host)}/module/web/jpage/dataproxy.jsp?page=1&webid={webid(view)}&path=/'
        f"&columnid={view.numbers[col.key]}&unitid={unitid(view, col)}&webname={_webname(view)}"
        '&permissiontype=0"></a>'
    )
    return (
        f'<div id="{unitid(view, col)}">\n<script type="text/xml">\n<datastore>\n'
        f"<nextgroup>{cdata(nextgroup)}</nextgroup>\n<recordset>\n{records}\n</recordset>\n</datastore>\n</script>\n"
        '<script language="javascript" src="/module/web/jpage/jpage.js"></script>\n'
        "<script>$(function(){ new Pager({"
        f"unitid:'{unitid(view, col)}',dataproxy:'/module/web/jpage/dataproxy.jsp',perpage:{PAGE_SIZE},"
        f"groupSize:3,totalRecord:{len(docs)},columnid:'{view.numbers[col.key]}',webid:'{webid(view)}'"
        "}); });</script>\n</div>\n"
    )


def _page(view: SiteView, req: Request, title: str, column_name: str, content: str, extra_head: str = "") -> str:
    head = (
        f'<meta name="SiteName" content="{esc(view.site.name)}">\n'
        f'<meta name="ColumnName" content="{esc(column_name)}">\n'
        + extra_head
        + '<script type="text/javascript" src="/script/jquery.min.js"></script>\n'
    )
    return page_html(view, req, title=title, head=head, content=content, root_href=view.link(req, "bureau", entry_path(view)))


def _root(view: SiteView, req: Request) -> Response:
    content = (
        breadcrumb_html(view, req, view.link(req, "bureau", entry_path(view)), None, lambda c: _href(view, req, c))
        + '<div class="xxgk-tree"><h2>政府信息公开目录</h2>'
        + column_tree_html(view, lambda c: _href(view, req, c))
        + "</div>\n"
    )
    return html_response(view.site, _page(view, req, f"{view.site.name} 政府信息公开", "政府信息公开", content), "root")


def _column(view: SiteView, req: Request, col: DemoColumn) -> Response:
    children = view.children.get(col.key, [])
    sub = (
        '<div class="sub-columns"><ul>'
        + "".join(f'<li><a href="{esc(_href(view, req, c))}">{esc(c.name)}</a></li>' for c in children)
        + "</ul></div>\n"
        if children
        else ""
    )
    note = f'<div class="column-note">{esc(col.note)}</div>\n' if col.note else ""
    listing = _datastore(view, req, col)
    content = (
        breadcrumb_html(view, req, view.link(req, "bureau", entry_path(view)), col, lambda c: _href(view, req, c))
        + f'<div class="bt-title">{esc(col.name)}</div>\n'
        + sub
        + note
        + listing
    )
    title = f"{view.site.name} {col.name}"
    return html_response(view.site, _page(view, req, title, col.name, content), "list")


def _xml(view: SiteView, total: int, perpage: int, records: list[str]) -> Response:
    pages = max(1, -(-total // perpage)) if total else 0
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<datastore>\n'
        f"<totalrecord>{total}</totalrecord>\n<totalpage>{pages}</totalpage>\n<recordset>\n"
        + "".join(f"<record>{cdata(r)}</record>\n" for r in records)
        + "</recordset>\n</datastore>\n"
    )
    return Response(200, body.encode("utf-8"), "text/xml;charset=UTF-8", kind="api")


def _dataproxy(view: SiteView, req: Request) -> Response:
    """The jpage data proxy: record ranges (POST style) or ``page=N`` (GET style)."""
    params = {**req.query, **req.body}
    number = _int(params.get("columnid"), -1)
    col = view.by_number.get(number)
    perpage = min(max(_int(params.get("perpage"), PAGE_SIZE), 1), 100)
    if col is None or view.host_of_column(col) != req.host:
        return _xml(view, 0, perpage, [])
    if view.is_blocked(col):
        return challenge_response(view.site.site_id, req.path)
    docs = view.docs.get(col.key, [])
    if params.get("unitid") and _int(params.get("unitid"), -1) != unitid(view, col):
        return _xml(view, 0, perpage, [])
    if "startrecord" in params:
        start = max(_int(params.get("startrecord"), 1), 1)
        end = _int(params.get("endrecord"), start + GROUP - 1)
        end = min(max(end, start), start + MAX_RECORDS - 1)
    else:
        page = max(_int(params.get("page"), 1), 1)
        start, end = (page - 1) * perpage + 1, page * perpage
    chunk = docs[start - 1 : end]
    return tagged(_xml(view, len(docs), perpage, [_record(view, req, doc) for doc in chunk]), col)


def _download(view: SiteView, req: Request) -> Response | None:
    filename = req.query.get("filename", "")
    key, _, ext = filename.rpartition(".")
    found = view.attachments.get(key)
    if found is None or found[1].ext != ext or view.host_of_doc(found[0]) != req.host:
        return None
    return guarded(view, req, view.doc_column(found[0]), lambda: attachment_response(view, found[0], found[1], req))


def _article(view: SiteView, req: Request, doc: DemoDocument) -> Response:
    site = view.site
    col = view.doc_column(doc)
    col_name = col.name if col else ""
    moment = publish_time(doc)
    made = maketime(view, doc)
    cn_style = site.index % 2 == 1
    shown: date = doc.publish_date
    visible = cn_date(shown) if cn_style else shown.isoformat()
    head = "".join(
        f'<meta name="{name}" content="{esc(value, 300)}">\n'
        for name, value in (
            ("ArticleTitle", doc.title),
            ("PubDate", f"{moment:%Y-%m-%d %H:%M}"),
            ("ContentSource", doc.publisher),
            ("Keywords", doc.topic),
            ("Maketime", f"{made:%Y-%m-%d %H:%M:%S}"),
        )
    )
    links = [(view.link(req, view.host_of_doc(doc), attachment_path(view, doc, att)), att.name) for att in doc.attachments]
    content = (
        breadcrumb_html(view, req, view.link(req, "bureau", entry_path(view)), col, lambda c: _href(view, req, c))
        + meta_block_html(view, meta_rows(view, doc, "hanweb", "cn" if cn_style else "iso"), "hanweb")
        + f'<div class="article"><div class="title"><h1>{esc(doc.title)}</h1></div>\n'
        + f'<div class="info"><span>发布日期：{visible}</span>　'
        + f"<!--<$[信息来源]>begin--><span>信息来源：{esc(doc.publisher)}</span><!--<$[信息来源]>end-->　"
        + '<span>浏览次数：<script language="javascript" src="/module/visitcount/articlehits.jsp?colid='
        + f'{view.numbers.get(doc.column_key, 0)}&artid={doc.doc_id}"></script></span></div>\n'
        + '<div id="zoom"><meta name="ContentStart">\n<!--ZJEG_RSS.content.begin-->\n'
        + body_paragraphs_html(doc)
        + "<!--ZJEG_RSS.content.end-->\n<meta name=\"ContentEnd\"></div>\n"
        + attachment_list_html(links)
        + "</div>\n"
    )
    title = f"{site.name} {col_name} {doc.title}"
    response = html_response(site, _page(view, req, title, col_name, content, head), "article")
    etag = article_validators(response.body, doc)["etag"]
    return replace(response, last_modified=made, etag=etag)
