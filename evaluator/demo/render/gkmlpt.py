"""Guangdong 政府信息公开目录平台 (gkmlpt) style: a directory app, a JSON list API, post pages.

Layout (on the portal host below the bureau's channel prefix, as ``www.zhaoqing.gov.cn/zqhjj``):

- Directory app ``/gkmlpt/index``: the column tree as links ``/gkmlpt/index#<column id>`` (the
  app's client-side routes) and the same tree and the site's ``SID`` in a ``window._CONFIG`` script.
- JSON API ``/gkmlpt/api/all/<column id>?page=<n>&sid=<sid>``: 20 articles per page,
  ``{"articles": [{"id", "title", "url", "publish_time", "first_publish_time", …}], "total": N}``
  with epoch-second times; a wrong ``sid`` gets an empty list, an unknown column 404.
- Detail pages ``/gkmlpt/content/<a>/<b>/post_<id>.html`` (``b = id // 1000``, ``a = b // 1000``)
  with a metadata table and the ``DETAIL: {…}, TREE: […]`` object in a script.
- Attachments ``/attachment/0/<key[:3]>/<key>.<ext>``.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace

from evaluator.demo.model import DemoAttachment, DemoColumn, DemoDocument
from evaluator.demo.render.challenge import guarded
from evaluator.demo.render.common import (
    Request,
    Response,
    SiteView,
    article_validators,
    attachment_list_html,
    attachment_response,
    body_paragraphs_html,
    breadcrumb_html,
    column_tree_html,
    doc_number_variant,
    esc,
    html_response,
    meta_block_html,
    meta_rows,
    page_html,
    publish_time,
)

API_PAGE_SIZE = 20
_API = re.compile(r"/gkmlpt/api/all/(\d{1,9})")
_POST = re.compile(r"/gkmlpt/content/(\d{1,9})/(\d{1,9})/post_(\d{1,12})\.html")
_ATTACHMENT = re.compile(r"/attachment/0/([0-9A-Za-z]{1,3})/([0-9A-Za-z_-]{1,80})\.([a-z]{2,5})")


def sid(view: SiteView) -> int:
    """The platform's site id (``sid``) of this bureau."""
    return 758000 + view.site.index


def entry_path(view: SiteView, host: str = "bureau") -> str:
    """The directory app on ``host``."""
    return view.prefix(host) + "/gkmlpt/index"


def column_path(view: SiteView, col: DemoColumn) -> str:
    """The app route of the column: ``/gkmlpt/index#<column id>``."""
    return f"{entry_path(view, view.host_of_column(col))}#{view.numbers[col.key]}"


def api_path(view: SiteView, col: DemoColumn, page: int = 1) -> str:
    """The JSON list of the column, page ``page`` (1-based)."""
    return f"{view.prefix(view.host_of_column(col))}/gkmlpt/api/all/{view.numbers[col.key]}?page={page}&sid={sid(view)}"


def article_path(view: SiteView, doc: DemoDocument) -> str:
    """``/gkmlpt/content/<a>/<b>/post_<id>.html`` on the document's host."""
    b = doc.doc_id // 1000
    return f"{view.prefix(view.host_of_doc(doc))}/gkmlpt/content/{b // 1000}/{b}/post_{doc.doc_id}.html"


def attachment_path(view: SiteView, doc: DemoDocument, att: DemoAttachment) -> str:
    """``/attachment/0/<key[:3]>/<key>.<ext>`` on the document's host."""
    return f"{view.prefix(view.host_of_doc(doc))}/attachment/0/{att.key[:3]}/{att.key}.{att.ext}"


def route(view: SiteView, req: Request) -> Response | None:
    """Answer ``req`` if it is a gkmlpt page of this site; None for "no such page"."""
    prefix = view.prefix(req.host)
    if not req.path.startswith(prefix + "/"):
        return None
    tail = req.path[len(prefix) :]
    if tail in ("/gkmlpt/index", "/gkmlpt/", "/gkmlpt/index.html"):
        return _index(view, req)
    match = _API.fullmatch(tail)
    if match:
        col = view.by_number.get(int(match.group(1)))
        if col is None or view.host_of_column(col) != req.host:
            return None
        return guarded(view, req, col, lambda: _api(view, req, col))
    match = _POST.fullmatch(tail)
    if match:
        doc = view.by_id.get(int(match.group(3)))
        if doc is None or view.host_of_doc(doc) != req.host or article_path(view, doc) != req.path:
            return None
        return guarded(view, req, view.doc_column(doc), lambda: _article(view, req, doc))
    match = _ATTACHMENT.fullmatch(tail)
    if match:
        found = view.attachments.get(match.group(2))
        if found is None or attachment_path(view, *found) != req.path or view.host_of_doc(found[0]) != req.host:
            return None
        return guarded(view, req, view.doc_column(found[0]), lambda: attachment_response(view, found[0], found[1], req))
    return None


def _href(view: SiteView, req: Request, col: DemoColumn) -> str:
    return view.link(req, view.host_of_column(col), column_path(view, col))


def _tree(view: SiteView, req: Request) -> list[dict[str, object]]:
    return [
        {
            "id": view.numbers[col.key],
            "name": col.name,
            "parent": view.numbers[col.parent_key] if col.parent_key in view.numbers else 0,
            "url": _href(view, req, col),
        }
        for col in view.columns.values()
    ]


def _json(value: object) -> str:
    """JSON safe to embed in a ``<script>`` (no ``</`` sequence)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True).replace("</", "<\\/")


def _index(view: SiteView, req: Request) -> Response:
    config = {"SID": str(sid(view)), "TREE": _tree(view, req)}
    content = (
        breadcrumb_html(view, req, view.link(req, "bureau", entry_path(view)), None, lambda c: _href(view, req, c))
        + '<div class="gkml-left"><h2>政府信息公开目录</h2>'
        + column_tree_html(view, lambda c: _href(view, req, c))
        + '</div>\n<div id="app" class="gkml-right"></div>\n'
    )
    scripts = f"<script>window._CONFIG = {_json(config)};</script>\n"
    page = page_html(
        view, req, title=f"{view.site.name}政府信息公开目录", head="", content=content,
        root_href=view.link(req, "bureau", entry_path(view)), scripts=scripts,
    )
    return html_response(view.site, page, "root")


def _api(view: SiteView, req: Request, col: DemoColumn) -> Response:
    docs = view.docs.get(col.key, [])
    try:
        page = max(int(req.query.get("page") or 1), 1)
    except ValueError:
        page = 1
    if req.query.get("sid") not in (None, "", str(sid(view))):
        docs = []
    chunk = docs[(page - 1) * API_PAGE_SIZE : page * API_PAGE_SIZE]
    articles = []
    for doc in chunk:
        stamp = int(publish_time(doc).timestamp())
        articles.append(
            {
                "id": doc.doc_id,
                "title": doc.title,
                "url": (req.origins.portal if doc.on_portal else req.origins.bureau) + article_path(view, doc),
                "publish_time": stamp,
                "first_publish_time": stamp,
                "identifier": doc.index_number,
                "document_number": doc_number_variant(doc) or "",
                "publisher": doc.publisher,
            }
        )
    body = json.dumps({"articles": articles, "total": len(docs)}, ensure_ascii=False, sort_keys=True)
    return Response(200, body.encode("utf-8"), "application/json;charset=UTF-8", kind="api")


def _detail(view: SiteView, doc: DemoDocument, links: list[tuple[str, str]]) -> dict[str, object]:
    detail: dict[str, object] = {
        "id": doc.doc_id,
        "title": doc.title,
        "identifier": doc.index_number,
        "document_number": doc_number_variant(doc) or "",
        "publisher": doc.publisher,
        "classify_main_name": doc.topic,
        "publish_time": int(publish_time(doc).timestamp()),
        "attachment": [{"name": name, "url": href} for href, name in links],
    }
    if doc.formation_shown == "meta_block" and doc.formation_date is not None:
        detail["formation_date"] = doc.formation_date.isoformat()
    return detail


def _article(view: SiteView, req: Request, doc: DemoDocument) -> Response:
    site = view.site
    col = view.doc_column(doc)
    links = [(view.link(req, view.host_of_doc(doc), attachment_path(view, doc, att)), att.name) for att in doc.attachments]
    moment = publish_time(doc)
    head = "".join(
        f'<meta name="{name}" content="{esc(value, 300)}">\n'
        for name, value in (
            ("ArticleTitle", doc.title),
            ("PubDate", f"{moment:%Y-%m-%d %H:%M:%S}"),
            ("ContentSource", doc.publisher),
            ("ColumnName", col.name if col else ""),
        )
    )
    tree = [{"id": view.numbers[c.key], "name": c.name} for c in view.ancestors(col)] if col else []
    scripts = (
        "<script>window._CONFIG = {\n"
        f"SID: '{sid(view)}',\nDETAIL: {_json(_detail(view, doc, links))},\nTREE: {_json(tree)}\n}};</script>\n"
    )
    content = (
        breadcrumb_html(view, req, view.link(req, "bureau", entry_path(view)), col, lambda c: _href(view, req, c))
        + '<div class="classify">'
        + meta_block_html(view, meta_rows(view, doc, "gkmlpt", "iso"), "gkmlpt")
        + "</div>\n"
        + f'<div class="content-box"><h1 class="title">{esc(doc.title)}</h1>\n'
        + f'<div class="date-row">{moment:%Y-%m-%d %H:%M:%S}　来源：{esc(doc.publisher)}</div>\n'
        + '<div class="article-content">\n'
        + body_paragraphs_html(doc)
        + "</div>\n"
        + attachment_list_html(links)
        + "</div>\n"
    )
    page = page_html(
        view, req, title=f"{doc.title}", head=head, content=content,
        root_href=view.link(req, "bureau", entry_path(view)), scripts=scripts,
    )
    response = html_response(site, page, "article")
    return replace(response, **article_validators(response.body, doc))
