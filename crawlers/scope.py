"""URL canonicalisation and the crawl scope of a site.

:func:`canonical_url` turns any link found on a page into the one form the frontier keys on:
resolved against the page URL, scheme and host lower-cased, default port and fragment dropped,
an empty path made ``/``, unsafe characters percent-encoded. The query string keeps its order
(JSP and ASP endpoints may depend on it) and POST bodies stay part of the request key
(:func:`evaluator.store.url_key`), so two ``dataproxy.jsp`` pages never collapse into one.

:class:`Scope` answers "may this URL be fetched for this site?": the site's hosts (base URL and
entry points) plus the assessment's ``extra_hosts``; only http(s); never the ``/gate/big5/``
traditional-Chinese mirrors that duplicate whole sites. Out-of-scope links are recorded with
the status ``off_scope`` and not followed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

_PSEUDO_SCHEMES = ("javascript:", "mailto:", "tel:", "data:", "about:", "vbscript:", "file:")
_DEFAULT_PORTS = {"http": 80, "https": 443}
#: Path fragments that mark mirror copies of a whole site.
EXCLUDED_PATH_PARTS = ("/gate/big5/",)
MAX_URL_LENGTH = 2048


class UrlError(ValueError):
    """A link that cannot be turned into a fetchable http(s) URL."""


def canonical_url(href: str, base: str | None = None) -> str:
    """Resolve ``href`` against ``base`` and normalise it.

    Raises :class:`UrlError` for pseudo-links (``javascript:``, ``mailto:`` …), non-http(s)
    schemes, links without a host and URLs longer than :data:`MAX_URL_LENGTH`.
    """
    text = (href or "").strip().replace("\\", "/")
    text = "".join(ch for ch in text if ch not in "\r\n\t")
    if not text or text.startswith("#"):
        raise UrlError("empty link")
    if text.lower().startswith(_PSEUDO_SCHEMES):
        raise UrlError(f"not a web link: {text[:40]!r}")
    url = urljoin(base, text) if base else text
    if len(url) > MAX_URL_LENGTH:
        raise UrlError(f"URL longer than {MAX_URL_LENGTH} characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UrlError(f"malformed URL {url[:80]!r}: {exc}") from exc
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise UrlError(f"only http and https are crawled, not {scheme or 'a relative link'!r}")
    host = (parts.hostname or "").lower().rstrip(".")
    if not host:
        raise UrlError(f"no host in {url[:80]!r}")
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    path = quote(_resolve_dots(parts.path or "/"), safe="/%:@!$&'()*+,;=-._~")
    query = quote(parts.query, safe="=&%:@!$'()*+,;/?-._~")
    return urlunsplit((scheme, netloc, path, query, ""))


def _resolve_dots(path: str) -> str:
    """Remove ``.`` and ``..`` segments (urljoin leaves them in absolute hrefs)."""
    if "/." not in path:
        return path
    out: list[str] = []
    segments = path.split("/")
    for seg in segments[1:]:
        if seg == "..":
            if out:
                out.pop()
        elif seg != ".":
            out.append(seg)
    result = "/" + "/".join(out)
    if segments[-1] in (".", "..") and not result.endswith("/"):
        result += "/"
    return result


def host_key(value: str) -> str:
    """A host allow-list entry (``example.gov.cn``, ``127.0.0.1:8080`` or a URL) as
    ``host[:port]`` with default ports dropped."""
    text = value.strip()
    if "://" not in text:
        text = "http://" + text
    parts = urlsplit(text)
    host = (parts.hostname or "").lower().rstrip(".")
    port = parts.port
    scheme = parts.scheme.lower()
    if port is None or port == _DEFAULT_PORTS.get(scheme):
        return host
    return f"{host}:{port}"


def _bare(host: str) -> str:
    """``www.example.gov.cn`` and ``example.gov.cn`` are the same site."""
    return host[4:] if host.startswith("www.") else host


@dataclass(frozen=True)
class Verdict:
    """Whether a URL is in scope; ``reason`` says why not (``off_host``, ``big5_mirror``)."""

    allowed: bool
    reason: str = ""


class Scope:
    """The hosts one site's crawl may fetch from."""

    def __init__(self, hosts: Iterable[str]) -> None:
        self.hosts = frozenset(host_key(h) for h in hosts if h and h.strip())
        self._bare = frozenset(_bare(h) for h in self.hosts)

    @classmethod
    def for_site(cls, base_url: str, entry_points: Iterable[str] = (), extra_hosts: Iterable[str] = ()) -> "Scope":
        """The scope of a site: its base URL's host, its entry points' hosts, extra hosts."""
        return cls([base_url, *entry_points, *extra_hosts])

    def check(self, url: str) -> Verdict:
        """Decide on a canonical URL (see :func:`canonical_url`)."""
        parts = urlsplit(url)
        if parts.scheme not in _DEFAULT_PORTS:
            return Verdict(False, "not_http")
        if any(part in parts.path for part in EXCLUDED_PATH_PARTS):
            return Verdict(False, "big5_mirror")
        if _bare(parts.netloc.lower()) not in self._bare:
            return Verdict(False, "off_host")
        return Verdict(True)

    def allows(self, url: str) -> bool:
        """Shorthand for ``check(url).allowed``."""
        return self.check(url).allowed
