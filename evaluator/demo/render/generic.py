"""Generic (JEECMS-like) style: plain HTML lists with 下一页/尾页 links and yearless dates.

Layout (on the portal host below the bureau's channel prefix):

- 政府信息公开 root ``/xxgk/index.jhtml`` with the column tree.
- Columns ``/<column>/index.jhtml`` (page 1), ``/<column>/index_2.jhtml`` … (15 rows); the pager
  is plain links: 首页 上一页 下一页 尾页 and ``共N条 当前第n/m页``.
- List rows ``<li><a title="FULL">title</a><span class="date">[03-05]</span></li>``: month and
  day only; the year appears on the article (``发布时间：2025年03月05日``).
- Articles ``/<column>/<id>.jhtml``; attachments ``/uploadfiles/YYYYMM/<key>.<ext>``.
"""

from __future__ import annotations

import re
from dataclasses import replace

from evaluator.demo.model import DemoAttachment, DemoColumn, DemoDocument
from evaluator.demo.render.challenge import challenge_response, guarded
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
    cn_date,
    column_tree_html,
    esc,
    html_response,
    list_row_title,
    meta_block_html,
    meta_rows,
    page_count,
    page_html,
    publish_time,
    tagged,
)

_LIST_FILE = re.compile(r"index(?:_(\d{1,6}))?\.jhtml")
_ARTICLE_FILE = re.compile(r"(\d{1,12})\.jhtml")
_TITLE_LIMIT = 30


def entry_path(view: SiteView, host: str = "bureau") -> str:
    """The 政府信息公开 root on ``host``."""
    return view.prefix(host) + "/xxgk/index.jhtml"


def _dir(view: SiteView, col: DemoColumn, host: str) -> str:
    return f"{view.prefix(host)}/{view.slugs[col.key]}/"


def column_path(view: SiteView, col: DemoColumn) -> str:
    """``/<column>/index.jhtml`` on the column's host."""
    return _dir(view, col, view.host_of_column(col)) + "index.jhtml"


def article_path(view: SiteView, doc: DemoDocument) -> str:
    """``/<column>/<id>.jhtml`` on the document's host."""
    slug = view.slugs.get(doc.column_key, "qt")
    return f"{view.prefix(view.host_of_doc(doc))}/{slug}/{doc.doc_id}.jhtml"


def attachment_path(view: SiteView, doc: DemoDocument, att: DemoAttachment) -> str:
    """``/uploadfiles/YYYYMM/<key>.<ext>`` on the document's host."""
    return f"{view.prefix(view.host_of_doc(doc))}/uploadfiles/{doc.publish_date:%Y%m}/{att.key}.{att.ext}"


def route(view: SiteView, req: Request) -> Response | None:
    """Answer ``req`` if it is a page of this generic site; None for "no such page"."""
    prefix = view.prefix(req.host)
    if not req.path.startswith(prefix + "/"):
        return None
    if req.path in (entry_path(view, req.host), prefix + "/xxgk/"):
        return _root(view, req)
    parts = req.path[len(prefix) + 1 :].split("/")
    if len(parts) == 3 and parts[0] == "uploadfiles":
        key, _, ext = parts[2].rpartition(".")
        found = view.attachments.get(key)
        if found is None or attachment_path(view, *found) != req.path or view.host_of_doc(found[0]) != req.host:
            return None
        return guarded(view, req, view.doc_column(found[0]), lambda: attachment_response(view, found[0], found[1], req))
    if len(parts) != 2:
        return None
    col = view.by_slug.get(parts[0])
    if col is None:
        return None
    article = _ARTICLE_FILE.fullmatch(parts[1])
    if article:
        doc = view.by_id.get(int(article.group(1)))
        if doc is None or article_path(view, doc) != req.path:
            return None
        return guarded(view, req, view.doc_column(doc), lambda: _article(view, req, doc))
    match = _LIST_FILE.fullmatch(parts[1]) if parts[1] else _LIST_FILE.fullmatch("index.jhtml")
    if match is None or view.host_of_column(col) != req.host:
        return None
    if view.is_blocked(col):
        return challenge_response(view.site.site_id, req.path)
    page = int(match.group(1) or 1)
    if match.group(1) is not None and page < 2:
        return None
    return tagged(_list(view, req, col, page), col)


def _href(view: SiteView, req: Request, col: DemoColumn) -> str:
    return view.link(req, view.host_of_column(col), column_path(view, col))


def _page_href(page: int) -> str:
    return "index.jhtml" if page == 1 else f"index_{page}.jhtml"


def _root(view: SiteView, req: Request) -> Response:
    content = (
        breadcrumb_html(view, req, view.link(req, "bureau", entry_path(view)), None, lambda c: _href(view, req, c))
        + '<div class="left-menu"><h3>政府信息公开</h3>'
        + column_tree_html(view, lambda c: _href(view, req, c))
        + "</div>\n"
    )
    page = page_html(
        view, req, title=f"政府信息公开-{view.site.name}", head="", content=content,
        root_href=view.link(req, "bureau", entry_path(view)),
    )
    return html_response(view.site, page, "root")


def _pager(total: int, page: int, pages: int) -> str:
    links = [f"共{total}条记录　当前第{page}/{pages}页　"]
    if page > 1:
        links.append(f'<a href="{_page_href(1)}">首页</a> <a href="{_page_href(page - 1)}">上一页</a> ')
    else:
        links.append("首页 上一页 ")
    if page < pages:
        links.append(f'<a href="{_page_href(page + 1)}">下一页</a> <a href="{_page_href(pages)}">尾页</a>')
    else:
        links.append("下一页 尾页")
    return '<div class="pages">' + "".join(links) + "</div>\n"


def _list(view: SiteView, req: Request, col: DemoColumn, page: int) -> Response | None:
    docs = view.docs.get(col.key, [])
    pages = page_count(len(docs))
    if page > pages:
        return None
    rows = "".join(
        f'<li><a href="{esc(view.link(req, view.host_of_doc(doc), article_path(view, doc)))}" target="_blank" '
        f'title="{esc(doc.title)}">{esc(list_row_title(doc.title, _TITLE_LIMIT))}</a>'
        f'<span class="date">[{doc.publish_date:%m-%d}]</span></li>\n'
        for doc in docs[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    )
    children = view.children.get(col.key, [])
    sub = (
        '<div class="sub-nav">' + " | ".join(f'<a href="{esc(_href(view, req, c))}">{esc(c.name)}</a>' for c in children)
        + "</div>\n"
        if children
        else ""
    )
    note = f'<div class="note">{esc(col.note)}</div>\n' if col.note else ""
    content = (
        breadcrumb_html(view, req, view.link(req, "bureau", entry_path(view)), col, lambda c: _href(view, req, c))
        + f'<div class="list-box"><div class="list-title">{esc(col.name)}</div>\n'
        + sub
        + note
        + f'<ul class="list">\n{rows}</ul>\n'
        + _pager(len(docs), page, pages)
        + "</div>\n"
    )
    html = page_html(
        view, req, title=f"{col.name}-{view.site.name}", head="", content=content,
        root_href=view.link(req, "bureau", entry_path(view)),
    )
    return html_response(view.site, html, "list")


def _article(view: SiteView, req: Request, doc: DemoDocument) -> Response:
    col = view.doc_column(doc)
    links = [(view.link(req, view.host_of_doc(doc), attachment_path(view, doc, att)), att.name) for att in doc.attachments]
    moment = publish_time(doc)
    content = (
        breadcrumb_html(view, req, view.link(req, "bureau", entry_path(view)), col, lambda c: _href(view, req, c))
        + f'<div class="article"><h2 class="title">{esc(doc.title)}</h2>\n'
        + f'<div class="info">发布时间：{cn_date(doc.publish_date, padded=True)} {moment:%H:%M}　'
        + f"来源：{esc(doc.publisher)}　"
        + '点击数：<span id="views"></span></div>\n'
        + meta_block_html(view, meta_rows(view, doc, "generic", "cn"), "generic")
        + '<div class="content" id="zoom">\n'
        + body_paragraphs_html(doc)
        + "</div>\n"
        + attachment_list_html(links)
        + "</div>\n"
    )
    html = page_html(
        view, req, title=f"{doc.title}-{view.site.name}", head="", content=content,
        root_href=view.link(req, "bureau", entry_path(view)),
    )
    response = html_response(view.site, html, "article")
    return replace(response, **article_validators(response.body, doc))
