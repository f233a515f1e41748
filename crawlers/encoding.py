"""Decide the text encoding of a fetched page from its bytes.

Order (site_patterns.md §6): byte-order mark, HTTP ``Content-Type`` charset, ``<meta charset>``
within the first bytes, then charset-normalizer. GB2312 and GBK are decoded as GB18030 (a
superset), because real "gb2312" pages contain characters outside GB2312. A declared charset
that yields mojibake (replacement characters, or UTF-8 bytes read as a single-byte charset) is
detected and replaced by the charset that decodes the bytes cleanly.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Mapping

from charset_normalizer import from_bytes

__all__ = ["decode_html", "normalise_charset", "charset_from_headers", "charset_from_meta"]

META_SCAN_BYTES = 4096
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_GB_ALIASES = {"gb2312", "gbk", "gb_2312-80", "x-gbk", "cp936", "euc-cn", "gb18030", "hz-gb-2312"}
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.I)
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([\w.:-]+)", re.I)
# Typical sequences produced when UTF-8 bytes of CJK text are read as GBK or Latin-1.
_MOJIBAKE_HINTS = re.compile(
    r"[ÃÂâåæçèéä][\x80-\xbf€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ]|锟斤拷|鈥|銆|锛"
)


def normalise_charset(name: str | None) -> str | None:
    """Return the Python codec name for a declared charset, or ``None`` if unknown.

    ``gb2312``/``gbk`` and friends become ``gb18030``; ``utf8`` becomes ``utf-8``.
    """
    if not name:
        return None
    name = name.strip().strip("\"'").lower()
    if name in _GB_ALIASES:
        return "gb18030"
    try:
        codec = codecs.lookup(name)
    except LookupError:
        return None
    if codec.name in {"gbk", "gb2312", "gb18030", "hz"}:
        return "gb18030"
    return "utf-8" if codec.name == "utf-8" else codec.name


def charset_from_headers(headers: Mapping[str, str] | None) -> str | None:
    """The charset named by an HTTP ``Content-Type`` header (case-insensitive key), if any."""
    if not headers:
        return None
    for key, value in headers.items():
        if key.lower() == "content-type" and value:
            match = _HEADER_CHARSET.search(value)
            if match:
                return normalise_charset(match.group(1))
    return None


def charset_from_meta(data: bytes) -> str | None:
    """The charset of a ``<meta charset>`` or ``http-equiv`` tag in the first 4 KB of ``data``."""
    match = _META_CHARSET.search(data[:META_SCAN_BYTES])
    if not match:
        return None
    return normalise_charset(match.group(1).decode("ascii", "replace"))


def _bom(data: bytes) -> tuple[str, int] | None:
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name, len(bom)
    return None


def _bad_score(text: str) -> int:
    """How many signs of a wrong decoding ``text`` shows (replacement chars, mojibake pairs)."""
    return text.count("\ufffd") * 4 + len(_MOJIBAKE_HINTS.findall(text))


def _strict_ok(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def _detect(data: bytes) -> str | None:
    # Prefer the two encodings that cover nearly all Chinese government pages when they decode
    # the bytes strictly; only then ask the statistical detector.
    if _strict_ok(data, "utf-8"):
        return "utf-8"
    if _strict_ok(data, "gb18030") and not _MOJIBAKE_HINTS.search(data.decode("gb18030")):
        return "gb18030"
    best = from_bytes(data[:200_000]).best()
    return normalise_charset(best.encoding) if best is not None else None


def decode_html(data: bytes | str, headers: Mapping[str, str] | None = None) -> tuple[str, str]:
    """Decode a page's bytes and return ``(text, encoding)``.

    ``encoding`` is the codec actually used (``utf-8``, ``gb18030`` …). A ``str`` is returned
    unchanged with the encoding ``"str"``. Decoding never raises: when no candidate decodes the
    bytes cleanly the best one is used with replacement characters.
    """
    if isinstance(data, str):
        return data, "str"
    bom = _bom(data)
    if bom is not None:
        name, size = bom
        return data[size:].decode(name, errors="replace"), name
    declared = [c for c in (charset_from_headers(headers), charset_from_meta(data)) if c]
    for encoding in dict.fromkeys(declared):
        if _strict_ok(data, encoding):
            text = data.decode(encoding)
            if not _looks_misdecoded(data, text, encoding):
                return text, encoding
    detected = _detect(data)
    candidates = list(dict.fromkeys([*([detected] if detected else []), *declared, "utf-8", "gb18030"]))
    scored = []
    for encoding in candidates:
        text = data.decode(encoding, errors="replace")
        scored.append((_bad_score(text), candidates.index(encoding), text, encoding))
    scored.sort(key=lambda entry: (entry[0], entry[1]))
    _, _, text, encoding = scored[0]
    return text, encoding


def _looks_misdecoded(data: bytes, text: str, encoding: str) -> bool:
    """True when a declared single-byte or GB charset decoded UTF-8 bytes (classic mojibake)."""
    # Non-ASCII bytes that form valid UTF-8 are almost never GBK or Latin-1 text: any CJK
    # page of reasonable length in GBK contains byte pairs that are invalid UTF-8.
    if encoding == "utf-8" or data.isascii():
        return False
    return _strict_ok(data, "utf-8") or bool(_MOJIBAKE_HINTS.search(text))
