"""The HTTP 412 JavaScript challenge page that Ruishu-style (瑞数) anti-bot systems send.

The first request to a protected path gets status 412, a ``<meta>`` with a long opaque token,
an obfuscated inline script that would compute a ``…T`` cookie in a browser, a script tag to a
randomly named loader, and a ``Set-Cookie`` of the server half ``…S``. A plain HTTP client never
sees the real page; a crawler must classify this as ``blocked/js_challenge``. The page and cookie
are derived from the site and path only, so the same request always gets the same bytes.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable

from evaluator.demo.model import DemoColumn
from evaluator.demo.render.common import Request, Response, SiteView, tagged

_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def _token(seed: str, length: int) -> str:
    """A deterministic pseudo-random string of ``length`` characters from ``seed``."""
    out: list[str] = []
    counter = 0
    while len(out) < length:
        digest = hashlib.sha256(f"{seed}:{counter}".encode()).digest()
        out.extend(_ALPHABET[byte % len(_ALPHABET)] for byte in digest)
        counter += 1
    return "".join(out[:length])


def cookie_prefix(site_id: str) -> str:
    """The per-site random-looking cookie name stem (the ``S``/``T`` pair shares it)."""
    return _token(f"cookie:{site_id}", 16)


def challenge_response(site_id: str, path: str) -> Response:
    """The 412 challenge for ``path`` on ``site_id``: obfuscated JS, meta token, ``…S`` cookie."""
    stem = cookie_prefix(site_id)
    meta_token = _token(f"meta:{site_id}:{path}", 360)
    ts_blob = base64.b64encode(hashlib.sha512(f"ts:{site_id}:{path}".encode()).digest() * 3).decode("ascii")
    loader = _token(f"loader:{site_id}", 12)
    nsd = int(hashlib.sha256(f"nsd:{site_id}".encode()).hexdigest()[:5], 16)
    html = (
        "<!DOCTYPE html>\n<html><head>\n"
        '<meta http-equiv="Content-Type" content="text/html; charset=utf-8">\n'
        '<meta http-equiv="Pragma" content="no-cache">\n'
        '<meta http-equiv="Cache-Control" content="no-cache, no-store, must-revalidate">\n'
        '<meta http-equiv="Expires" content="0">\n'
        f'<meta id="{_token("metaid:" + site_id, 12)}" content="{meta_token}" r=\'m\'>\n'
        "<script type=\"text/javascript\" r='m'>"
        f"$_ts=window['$_ts'];if(!$_ts)$_ts={{}};$_ts.nsd={nsd};$_ts.cd=\"{ts_blob}\";"
        f"if($_ts.lcd)$_ts.lcd();</script>\n"
        f'<script type="text/javascript" charset="utf-8" src="/{loader}/{_token("js:" + site_id, 8)}.js" r=\'m\'>'
        "</script>\n"
        "</head><body>"
        "<script type=\"text/javascript\" r='m'>"
        "(function(){var _$a=['\\x63\\x6f\\x6f\\x6b\\x69\\x65','\\x72\\x65\\x6c\\x6f\\x61\\x64'];"
        f"document[_$a[0]]='{stem}T='+$_ts.cd.slice(7,71)+'; path=/';"
        "setTimeout(function(){location[_$a[1]]();},0);})();"
        "</script></body></html>\n"
    )
    cookie_value = _token(f"cookieval:{site_id}", 64)
    return Response(
        status=412,
        body=html.encode("utf-8"),
        content_type="text/html; charset=utf-8",
        headers=(("Set-Cookie", f"{stem}S={cookie_value}; Path=/; Max-Age=3600; HttpOnly"),),
        kind="challenge",
    )


def guarded(view: SiteView, req: Request, col: DemoColumn | None, make: Callable[[], Response | None]) -> Response | None:
    """A page of column ``col``: the challenge when the column is blocked, else ``make()``
    tagged with the column (so the slow-column knob can find it)."""
    if view.is_blocked(col):
        return challenge_response(view.site.site_id, req.path)
    return tagged(make(), col)
