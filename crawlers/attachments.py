"""Attachment checks: is the file reachable, and keep it when it is small.

A ``HEAD`` request first; when the server refuses HEAD (405, 501, 403 …) or fails otherwise,
a ranged ``GET`` (``Range: bytes=0-<limit-1>``) decides. 404 and 410 mean the link is broken.
Files up to ``CrawlLimits.max_attachment_bytes`` are downloaded and saved under the evidence
directory with a sanitised name (no path separators, no leading dots, bounded length, prefixed
by the content hash), so a hostile file name can never escape the folder.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from crawlers.http import FetchResult
from crawlers.model import Request
from crawlers.warc import sha256_hex

BROKEN_STATUSES = ("http_404", "http_410")
_UNSAFE = re.compile(r"[^\w.\-()\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]+")
MAX_NAME_CHARS = 80
MAX_NAME_BYTES = 180  # leaves room for the hash prefix and the extension within 255 bytes


@dataclass
class AttachmentCheck:
    """The outcome of checking one attachment; ``results`` are the requests made, in order."""

    url: str
    reachable: bool | None
    status: str
    size: int | None = None
    sha256: str | None = None
    body: bytes | None = None  # the whole file when it was small enough to keep
    results: list[FetchResult] = field(default_factory=list)


def sanitise_name(name: str, url: str, ext: str | None = None) -> str:
    """A safe file name for an attachment: the display name (else the URL's last segment),
    stripped of separators and control characters, at most :data:`MAX_NAME_CHARS`, with the
    real extension."""
    base = (name or "").strip() or unquote(Path(urlsplit(url).path).name) or "attachment"
    base = unicodedata.normalize("NFKC", base)
    base = base.replace("/", "_").replace("\\", "_")
    base = _UNSAFE.sub("_", base).strip("._ ") or "attachment"
    suffix = ""
    if ext and re.fullmatch(r"[a-z0-9]{1,8}", ext):
        suffix = "." + ext
        if base.lower().endswith(suffix):
            base = base[: -len(suffix)].rstrip("._ ") or "attachment"
    base = base[:MAX_NAME_CHARS]
    while len(base.encode("utf-8")) > MAX_NAME_BYTES:  # file systems count bytes (255 at most)
        base = base[:-1]
    return (base.rstrip("._ ") or "attachment") + suffix


def save_attachment(folder: Path, name: str, url: str, ext: str | None, body: bytes) -> Path:
    """Write ``body`` to ``folder`` as ``<sha256[:16]>-<sanitised name>``; returns the path.

    The same content is written once; the result is always inside ``folder``.
    """
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{sha256_hex(body)[:16]}-{sanitise_name(name, url, ext)}"
    resolved = target.resolve()
    if resolved.parent != folder.resolve():  # defence in depth: sanitise_name forbids this
        raise ValueError(f"attachment name {name!r} would leave {folder}")
    if not resolved.exists():
        tmp = resolved.with_name(resolved.name + ".part")
        tmp.write_bytes(body)
        tmp.replace(resolved)
    return resolved


def _total_size(result: FetchResult) -> int | None:
    """The full size of the resource from Content-Range (206) or Content-Length (200)."""
    content_range = result.header("content-range")
    if content_range and "/" in content_range:
        total = content_range.rsplit("/", 1)[1].strip()
        return int(total) if total.isdigit() else None
    length = result.header("content-length")
    return int(length) if length.isdigit() else None


def check_attachment(
    fetch: Callable[..., FetchResult],
    url: str,
    *,
    keep_bytes: int,
) -> AttachmentCheck:
    """Check one attachment with ``fetch`` (a :meth:`Fetcher.fetch`-like callable that applies
    politeness); keep its body when it is at most ``keep_bytes`` long."""
    head = fetch(Request(url=url, method="HEAD"), accept_any=True, max_bytes=0, truncate_ok=True)
    check = AttachmentCheck(url=url, reachable=None, status=head.status, results=[head])
    if head.status == "ok":
        check.reachable = True
        check.size = _total_size(head)
        if keep_bytes > 0 and (check.size is None or check.size <= keep_bytes):
            _download(fetch, check, keep_bytes, ranged=False)
        return check
    if head.status in BROKEN_STATUSES:
        check.reachable = False
        return check
    if head.status == "dns":
        check.reachable = False
        return check
    # HEAD refused or failed: a ranged GET decides.
    _download(fetch, check, max(keep_bytes, 1), ranged=True)
    if check.reachable is None:
        check.reachable = False
    return check


def _download(fetch: Callable[..., FetchResult], check: AttachmentCheck, limit: int, *, ranged: bool) -> None:
    headers = {"Range": f"bytes=0-{limit - 1}"} if ranged else None
    got = fetch(Request(url=check.url), accept_any=True, max_bytes=limit, truncate_ok=True, headers=headers)
    check.results.append(got)
    check.status = got.status
    if got.status != "ok":
        if ranged:
            check.reachable = False
        return
    check.reachable = True
    total = _total_size(got)
    complete = not got.truncated and (total is None or total == len(got.body))
    if got.http_status == 206 and total is not None and total <= limit:
        complete = len(got.body) == total
    check.size = total if total is not None else (None if got.truncated else len(got.body))
    if complete:
        check.body = got.body
        check.size = len(got.body)
        check.sha256 = sha256_hex(got.body)
