"""Render report contexts to self-contained HTML with Jinja2 (autoescape on).

The HTML has no external references: the stylesheet and the sort script are inlined, charts
are inline SVG, and a Content-Security-Policy forbids every network request and any script
other than the report's own (allowed by its hash). Crawled text reaches the templates only as
plain strings, so autoescape makes it inert; links pass :func:`safe_url` first.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import math
import re
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

__all__ = ["safe_url", "render", "environment", "write_html"]

_MAX_URL = 2000


def safe_url(value: Any) -> str | None:
    """``value`` when it is an absolute http(s) URL without control characters, else ``None``.

    ``javascript:``, ``data:``, relative and protocol-relative URLs are all refused.
    """
    if not isinstance(value, str) or not value or len(value) > _MAX_URL:
        return None
    if any(ord(ch) < 0x21 or ch in '"<>\\`' for ch in value):
        return None
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return value


def _num(value: Any, digits: int = 1) -> str:
    if value is None:
        return "—"
    try:
        number = float(value)
    except (TypeError, ValueError):
        return "—"
    if math.isnan(number):
        return "—"
    return f"{number:.{digits}f}"


def _when(value: Any) -> str:
    """An ISO timestamp as ``YYYY-MM-DD HH:MM`` (UTC when the store's timestamps are UTC);
    anything else unchanged."""
    text = "" if value is None else str(value)
    match = re.match(r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})", text)
    return f"{match.group(1)} {match.group(2)}" if match else (text or "—")


def _sortkey(value: Any) -> str:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return "-1"
    return "-1" if math.isnan(number) else f"{number:.4f}"


@functools.lru_cache(maxsize=1)
def _static() -> tuple[str, str]:
    base = resources.files("reports").joinpath("static")
    return (
        base.joinpath("report.css").read_text(encoding="utf-8"),
        base.joinpath("sort.js").read_text(encoding="utf-8"),
    )


@functools.lru_cache(maxsize=1)
def environment() -> Environment:
    """The Jinja2 environment of the report templates (autoescape on for every template)."""
    env = Environment(
        loader=PackageLoader("reports", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html", "j2"), default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["safe_url"] = safe_url
    env.filters["num"] = _num
    env.filters["sortkey"] = _sortkey
    env.filters["when"] = _when
    return env


def _csp(script: str) -> str:
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode()
    return (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
        f"script-src 'sha256-{digest}'; base-uri 'none'; form-action 'none'"
    )


def render(template: str, context: dict[str, Any], *, pdf: bool = False) -> str:
    """Render ``template`` (for example ``province.html.j2``) with ``context``.

    ``pdf=True`` renders the print edition for WeasyPrint (no script, page-numbered contents).
    Charts in ``context["charts"]`` (SVG, or ``<img>`` with inline PNG) are trusted output of
    :mod:`reports.charts`.
    """
    css, js = _static()
    charts = context.get("charts", {})
    trusted = {
        key: [Markup(v) for v in value] if isinstance(value, list) else Markup(value)
        for key, value in charts.items()
    }
    return environment().get_template(template).render(
        **{**context, "charts": trusted},
        css=Markup(css),
        js=Markup(js),
        csp=_csp(js),
        pdf=pdf,
    )


def write_html(path: Path, html: str) -> Path:
    """Write ``html`` to ``path`` (UTF-8), creating the folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    return path
