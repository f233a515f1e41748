"""Rendering of demo bureau sites as their CMS family serves them (TRS, Hanweb, gkmlpt, generic).

One call answers one request: :func:`render` takes the site model, the host the request reached
(the bureau's own host or the city portal) and the request's path, query, method and body, and
returns a :class:`Response` with the exact bytes to send. Nothing is stored between calls except
bounded route indexes, so a 2,000-page site costs nothing until it is asked for. Rendering is a
pure function of its inputs: the same request always yields the same bytes.

Where things are (see docs/demo_sites.md): :func:`entry_point_path` (the 政府信息公开 root on the
bureau host), :func:`column_url` and :func:`url_for` (a column's or document's path, absolute when
``origins`` are given), :func:`host_of` (``bureau`` or ``portal``).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import ModuleType
from urllib.parse import parse_qsl

from evaluator.demo.model import DemoAttachment, DemoColumn, DemoDocument, DemoSite
from evaluator.demo.render import generic, gkmlpt, hanweb, trs
from evaluator.demo.render.challenge import challenge_response
from evaluator.demo.render.common import (
    Origins,
    Request,
    Response,
    boilerplate,
    esc,
    html_response,
    meta_charset,
    not_found,
    page_html,
    portal_prefix,
    robots_response,
    view_of,
)

__all__ = [
    "Origins",
    "Response",
    "attachment_url",
    "challenge_response",
    "column_url",
    "entry_point_path",
    "host_of",
    "portal_prefix",
    "render",
    "url_for",
]

_FAMILIES: dict[str, ModuleType] = {"trs": trs, "hanweb": hanweb, "gkmlpt": gkmlpt, "generic": generic}


def _family(site: DemoSite) -> ModuleType:
    try:
        return _FAMILIES[site.family]
    except KeyError:
        raise ValueError(
            f"{site.site_id}: unknown CMS family {site.family!r}; expected one of {', '.join(_FAMILIES)}"
        ) from None


def _params(value: Mapping[str, str] | str | bytes | None) -> dict[str, str]:
    if value is None:
        return {}
    if isinstance(value, Mapping):
        return {str(k): str(v) for k, v in value.items()}
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return dict(parse_qsl(value, keep_blank_values=True))


def _absolute(path: str, host: str, origins: Origins | None) -> str:
    if origins is None:
        return path
    return (origins.portal if host == "portal" else origins.bureau) + path


def render(
    site: DemoSite,
    path: str,
    query: Mapping[str, str] | str | None = None,
    method: str = "GET",
    body: Mapping[str, str] | str | bytes | None = None,
    *,
    host: str = "bureau",
    origins: Origins | None = None,
) -> Response:
    """The response of ``site`` to one request on ``host`` (``bureau`` or ``portal``).

    ``query`` and ``body`` are mappings or raw ``application/x-www-form-urlencoded`` strings;
    ``origins`` give the scheme://host:port of both servers so cross-host links are absolute.
    Unknown paths answer 404, blocked columns 412, broken attachments 404.
    """
    if host not in ("bureau", "portal"):
        raise ValueError(f"host must be 'bureau' or 'portal', not {host!r}")
    view = view_of(site)
    req = Request(host, path or "/", _params(query), method.upper(), _params(body), origins or Origins())
    if req.path == "/robots.txt":
        return robots_response(view, req)
    if host == "bureau" and req.path in ("/", "/index.html"):
        return _home(site, req)
    if host == "bureau":
        static = next((e for e in boilerplate()["nav"] if e.get("text") and e["href"] == req.path), None)
        if static is not None:
            return _static(site, req, static["name"], static["text"])
    if host == "portal":
        prefix = portal_prefix(site)
        if req.path in ("/", "/index.html"):
            return _portal_home(site, req)
        if not req.path.startswith(prefix + "/"):
            return not_found(view, req)
        if req.path in (prefix + "/", prefix + "/index.html"):
            channel_root = _family(site).entry_path(view, "portal")
            req = Request(host, channel_root, req.query, req.method, req.body, req.origins)
    return _family(site).route(view, req) or not_found(view, req)


def _portal_home(site: DemoSite, req: Request) -> Response:
    """The city portal's home page: a short page linking to the bureau's channel and site."""
    view = view_of(site)
    channel = _family(site).entry_path(view, "portal")
    page = (
        "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head>\n"
        + meta_charset(site, False)
        + f"<title>{esc(site.city)}人民政府门户网站</title></head><body>\n"
        + f"<h1>{esc(site.city)}人民政府</h1>\n<ul class=\"bmpd\">"
        + f'<li><a href="{esc(channel)}">{esc(site.name)}</a></li>'
        + f'<li><a href="{esc(req.origins.bureau)}/">{esc(site.name)}网站</a></li></ul>\n'
        + "</body></html>\n"
    )
    return html_response(site, page, "portal_home")


def _home(site: DemoSite, req: Request) -> Response:
    """The bureau's home page: navigation, the top-level 政府信息公开 columns and the footer."""
    view = view_of(site)
    family = _family(site)
    root = family.entry_path(view, "bureau")
    columns = "".join(
        f'<li><a href="{esc(view.link(req, view.host_of_column(col), family.column_path(view, col)))}">'
        f"{esc(col.name)}</a></li>"
        for col in view.children.get(None, [])
    )
    content = (
        f'<div class="banner"><h2>{esc(site.name)}</h2></div>\n'
        f'<div class="zwgk"><h3><a href="{esc(root)}">政府信息公开</a></h3><ul>{columns}</ul></div>\n'
    )
    page = page_html(view, req, title=site.name, head="", content=content, root_href=root)
    return html_response(site, page, "home")


def _static(site: DemoSite, req: Request, title: str, text: str) -> Response:
    """One of the bureau's static navigation pages (机构概况 …)."""
    view = view_of(site)
    content = f'<div class="static"><h2>{esc(title)}</h2><p>{esc(text)}</p></div>\n'
    page = page_html(
        view, req, title=f"{title}_{site.name}", head="", content=content,
        root_href=_family(site).entry_path(view, "bureau"),
    )
    return html_response(site, page, "static")


def entry_point_path(site: DemoSite) -> str:
    """Path of the site's 政府信息公开 root on the bureau host (the crawl's entry point)."""
    return _family(site).entry_path(view_of(site), "bureau")


def host_of(site: DemoSite, item: DemoDocument | DemoColumn) -> str:
    """``portal`` when the document or column is served by the city portal, else ``bureau``."""
    del site
    return "portal" if item.on_portal else "bureau"


def column_url(site: DemoSite, column: DemoColumn, origins: Origins | None = None) -> str:
    """The column's list URL (path on its host; absolute when ``origins`` are given).

    For gkmlpt sites this is the directory app's route ``…/gkmlpt/index#<column id>``.
    """
    return _absolute(_family(site).column_path(view_of(site), column), host_of(site, column), origins)


def url_for(site: DemoSite, doc: DemoDocument, origins: Origins | None = None) -> str:
    """The document's article URL (path on its host; absolute when ``origins`` are given)."""
    return _absolute(_family(site).article_path(view_of(site), doc), host_of(site, doc), origins)


def attachment_url(
    site: DemoSite, doc: DemoDocument, attachment: DemoAttachment, origins: Origins | None = None
) -> str:
    """The attachment's URL as linked from the article (path on the document's host)."""
    return _absolute(_family(site).attachment_path(view_of(site), doc, attachment), host_of(site, doc), origins)
