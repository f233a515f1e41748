"""TRS WCM (拓尔思) style: static column directories, ``index_N.html`` pages, ``t<date>_<id>.html``.

Layout (on the portal host everything sits below the bureau's channel prefix, e.g. ``/c01hjj``):

- 政府信息公开 root: ``/xxgk/index.html``; columns nest as directories: ``/xxgk/<parent>/<child>/``.
- Lists: ``index.html`` (page 1), ``index_1.html`` (page 2) …, 15 rows; the pager exists only as
  the script call ``createPageHTML(pageCount, current, "index", "html")``.
- Articles: ``<column dir>/YYYYMM/tYYYYMMDD_<id>.html``, linked relatively (``./202503/t…``). The
  URL date is the publish date except for one document in seven, whose URL carries the next day
  (as real TRS sites do: the URL date is not the display date).
- Attachments beside the article: ``./P0YYYYMMDD<key>.<ext>``.
- Article pages carry the national meta set (SiteName … ArticleTitle, PubDate, ContentSource),
  the body in ``div.TRS_Editor``, a stale ``<span alt="时间：…">`` and a commented-out 成文日期.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, timedelta

from evaluator.demo.model import DemoAttachment, DemoColumn, DemoDocument
from evaluator.demo.render.challenge import challenge_response
from evaluator.demo.render.common import (
    PAGE_SIZE,
    Request,
    Response,
    SiteView,
    article_validators,
    attachment_list_html,
    attachment_response,
    body_paragraphs_html,
    breadcrumb_html,
    column_tree_html,
    esc,
    html_response,
    meta_block_html,
    meta_rows,
    page_count,
    page_html,
    publish_time,
    site_code,
    stable_int,
    tagged,
)

_LIST_FILE = re.compile(r"index(?:_(\d{1,6}))?\.html")
_PAGER_JS = (
    "<script type=\"text/javascript\">\n"
    "function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt){\n"
    " if(_nPageCount == null || _nPageCount<=1){ return; }\n"
    " var _nCurrIndex = _nCurrIndex || 0;\n"
    " if(_nCurrIndex == 0) document.write(\"首页&nbsp;&nbsp;上一页&nbsp;&nbsp;\");\n"
    " else { var _prev = (_nCurrIndex-1==0) ? '' : '_'+(_nCurrIndex-1);\n"
    "  document.write(\"<a href=\\\"\"+_sPageName+\".\"+_sPageExt+\"\\\">首页</a>&nbsp;&nbsp;"
    "<a href=\\\"\"+_sPageName+_prev+\".\"+_sPageExt+\"\\\">上一页</a>&nbsp;&nbsp;\"); }\n"
    " if(_nCurrIndex+1 >= _nPageCount) document.write(\"下一页&nbsp;&nbsp;尾页\");\n"
    " else document.write(\"<a href=\\\"\"+_sPageName+\"_\"+(_nCurrIndex+1)+\".\"+_sPageExt+\"\\\">下一页</a>&nbsp;&nbsp;"
    "<a href=\\\"\"+_sPageName+\"_\"+(_nPageCount-1)+\".\"+_sPageExt+\"\\\">尾页</a>\");\n"
    "}\n</script>\n"
)


def entry_path(view: SiteView, host: str = "bureau") -> str:
    """The 政府信息公开 root on ``host``."""
    return view.prefix(host) + "/xxgk/index.html"


def column_dir(view: SiteView, col: DemoColumn) -> str:
    """The column's directory (with the portal prefix when it lives on the portal), ending in ``/``."""
    dirs = "/".join(view.slugs[c.key] for c in view.ancestors(col))
    return f"{view.prefix(view.host_of_column(col))}/xxgk/{dirs}/"


def column_path(view: SiteView, col: DemoColumn) -> str:
    """The column's first list page."""
    return column_dir(view, col) + "index.html"


def _url_date(doc: DemoDocument) -> date:
    """The date written into the article URL (one in seven: the day after the publish date)."""
    if stable_int("trs-url-date", doc.doc_id) % 7 == 0:
        return doc.publish_date + timedelta(days=1)
    return doc.publish_date


def _doc_dir(view: SiteView, doc: DemoDocument) -> str:
    """The article's directory: the column directory plus ``YYYYMM/`` on the document's host."""
    col = view.doc_column(doc)
    dirs = "/".join(view.slugs[c.key] for c in view.ancestors(col)) if col else "qt"
    return f"{view.prefix(view.host_of_doc(doc))}/xxgk/{dirs}/{_url_date(doc):%Y%m}/"


def article_path(view: SiteView, doc: DemoDocument) -> str:
    """``<column dir>/YYYYMM/tYYYYMMDD_<id>.html``."""
    return f"{_doc_dir(view, doc)}t{_url_date(doc):%Y%m%d}_{doc.doc_id}.html"


def _attachment_file(doc: DemoDocument, att: DemoAttachment) -> str:
    return f"P0{doc.publish_date:%Y%m%d}{att.key}.{att.ext}"


def attachment_path(view: SiteView, doc: DemoDocument, att: DemoAttachment) -> str:
    """``<article dir>/P0YYYYMMDD<key>.<ext>``."""
    return _doc_dir(view, doc) + _attachment_file(doc, att)


def _routes(view: SiteView) -> dict[tuple[str, str], tuple]:
    routes = view.cache.get("trs")
    if routes is None:
        routes = {}
        for col in view.columns.values():
            routes[(view.host_of_column(col), column_dir(view, col))] = ("column", col)
        for doc in view.site.documents:
            host = view.host_of_doc(doc)
            routes[(host, article_path(view, doc))] = ("article", doc)
            for att in doc.attachments:
                routes[(host, attachment_path(view, doc, att))] = ("attachment", doc, att)
        view.cache["trs"] = routes
    return routes


def route(view: SiteView, req: Request) -> Response | None:
    """Answer ``req`` if it is a TRS page of this site; None for "no such page"."""
    if req.path in (entry_path(view, req.host), view.prefix(req.host) + "/xxgk/"):
        return _root(view, req)
    routes = _routes(view)
    target = routes.get((req.host, req.path))
    if target is not None:
        col = view.doc_column(target[1]) if target[0] != "column" else target[1]
        if view.is_blocked(col):
            return challenge_response(view.site.site_id, req.path)
        if target[0] == "article":
            return tagged(_article(view, req, target[1]), col)
        if target[0] == "attachment":
            return tagged(attachment_response(view, target[1], target[2], req), col)
        return tagged(_list(view, req, target[1], 0), col)
    directory, _, filename = req.path.rpartition("/")
    match = _LIST_FILE.fullmatch(filename)
    target = routes.get((req.host, directory + "/"))
    if match and target is not None and target[0] == "column":
        if view.is_blocked(target[1]):
            return challenge_response(view.site.site_id, req.path)
        page = int(match.group(1) or 0)
        if match.group(1) is not None and page == 0:
            return None
        return tagged(_list(view, req, target[1], page), target[1])
    return None


def _href(view: SiteView, req: Request, col: DemoColumn) -> str:
    return view.link(req, view.host_of_column(col), column_path(view, col))


def _head(view: SiteView, column: str, title: str | None = None) -> str:
    site = view.site
    metas = [
        ("SiteName", site.name),
        ("SiteDomain", f"sthjj.{site.site_id}.example.gov.cn"),
        ("SiteIDCode", site_code(site)),
        ("ColumnName", column),
        ("ColumnType", column),
    ]
    if title is not None:
        metas.append(("ArticleTitle", title))
    return "".join(f'<meta name="{name}" content="{esc(value, 300)}">\n' for name, value in metas)


def _root(view: SiteView, req: Request) -> Response:
    content = (
        breadcrumb_html(view, req, entry_path(view, req.host), None, lambda c: _href(view, req, c))
        + '<div class="xxgk-nav"><h2>政府信息公开目录</h2>'
        + column_tree_html(view, lambda c: _href(view, req, c))
        + "</div>\n"
    )
    page = page_html(
        view, req, title=f"政府信息公开_{view.site.name}", head=_head(view, "政府信息公开"), content=content,
        root_href=entry_path(view, "bureau" if req.host == "bureau" else "portal"), old_style=True,
    )
    return html_response(view.site, page, "root")


def _row_link(view: SiteView, req: Request, col: DemoColumn, doc: DemoDocument) -> str:
    path = article_path(view, doc)
    here = column_dir(view, col)
    if view.host_of_doc(doc) == req.host and path.startswith(here):
        return "./" + path[len(here) :]
    return view.link(req, view.host_of_doc(doc), path)


def _list(view: SiteView, req: Request, col: DemoColumn, page: int) -> Response | None:
    docs = view.docs.get(col.key, [])
    pages = page_count(len(docs))
    if page >= pages:
        return None
    rows = "".join(
        f'<li><a href="{esc(_row_link(view, req, col, doc))}" target="_blank" title="{esc(doc.title)}">'
        f"{esc(doc.title)}</a><span>{doc.publish_date.isoformat()}</span></li>\n"
        for doc in docs[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    )
    children = view.children.get(col.key, [])
    sub = (
        '<div class="sub-columns"><ul>'
        + "".join(f'<li><a href="{esc(_href(view, req, c))}">{esc(c.name)}</a></li>' for c in children)
        + "</ul></div>\n"
        if children
        else ""
    )
    note = f'<div class="column-note"><p>{esc(col.note)}</p></div>\n' if col.note else ""
    content = (
        breadcrumb_html(view, req, view.link(req, "bureau", entry_path(view)), col, lambda c: _href(view, req, c))
        + f'<div class="list-title"><h2>{esc(col.name)}</h2></div>\n'
        + sub
        + note
        + f'<div class="list"><ul class="xxgk-list">\n{rows}</ul></div>\n'
        + '<div class="page"><script type="text/javascript">'
        + f'createPageHTML({pages}, {page}, "index", "html");</script></div>\n'
    )
    html = page_html(
        view, req, title=view.site.name, head=_head(view, col.name), content=content,
        root_href=view.link(req, "bureau", entry_path(view)), old_style=True, scripts=_PAGER_JS,
    )
    return html_response(view.site, html, "list")


def _article(view: SiteView, req: Request, doc: DemoDocument) -> Response:
    site = view.site
    col = view.doc_column(doc)
    col_name = col.name if col else ""
    moment = publish_time(doc)
    stamp = f"{moment:%Y-%m-%d %H:%M}"
    origin = req.origins.portal if req.host == "portal" else req.origins.bureau
    head = _head(view, col_name, doc.title) + "".join(
        f'<meta name="{name}" content="{esc(value, 300)}">\n'
        for name, value in (
            ("PubDate", stamp),
            ("ContentSource", doc.publisher),
            ("Keywords", doc.topic),
            ("Author", doc.publisher),
            ("Description", doc.paragraphs[0][:120] if doc.paragraphs else doc.title),
            ("Url", origin + req.path),
        )
    )
    stale = date(2017, 11, 8)
    wrong_formation = doc.publish_date - timedelta(days=400 + stable_int("decoy", doc.doc_id) % 300)
    links = [(f"./{_attachment_file(doc, att)}", att.name) for att in doc.attachments]
    editor_open = '<div class=TRS_Editor>' if site.index % 2 else '<div class="TRS_Editor">'
    content = (
        breadcrumb_html(view, req, view.link(req, "bureau", entry_path(view)), col, lambda c: _href(view, req, c))
        + meta_block_html(view, meta_rows(view, doc, "trs", "iso"), "trs")
        + f"<!--<table><tr><td>成文日期：</td><td>{wrong_formation.isoformat()}</td>"
        + "<td>有效期：</td><td>长期</td></tr></table>-->\n"
        + f'<div class="article"><h1 class="title">{esc(doc.title)}</h1>\n'
        + '<div class="info">'
        + f'<span class="mobile-time" alt="时间：{stale.isoformat()} 20:26"></span>'
        + f"<span>发布时间：{stamp}</span>　<span>来源：{esc(doc.publisher)}</span>"
        + '　<span>【字体：<a href="javascript:doZoom(16)">大</a> <a href="javascript:doZoom(14)">中</a>'
        + ' <a href="javascript:doZoom(12)">小</a>】</span></div>\n'
        + '<div class="article-body">'
        + editor_open
        + "\n"
        + body_paragraphs_html(doc)
        + "</div>\n"
        + attachment_list_html(links)
        + "</div>\n"
        + '<div class="page"><script type="text/javascript">'
        + f'createPageHTML(1, 0, "t{_url_date(doc):%Y%m%d}_{doc.doc_id}", "html");</script></div>\n'
        + "</div>\n"
    )
    html = page_html(
        view, req, title=f"{doc.title}_{site.name}", head=head, content=content,
        root_href=view.link(req, "bureau", entry_path(view)), old_style=True, scripts=_PAGER_JS,
    )
    response = html_response(site, html, "article")
    return replace(response, **article_validators(response.body, doc))
