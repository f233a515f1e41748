"""decode_html: BOM, HTTP charset, meta charset, detection, GB18030 and mojibake correction."""

from __future__ import annotations

import codecs

import pytest

from crawlers import decode_html
from crawlers.encoding import charset_from_headers, charset_from_meta, normalise_charset
from tests._extraction_fixtures import load_cases

TEXT = "<p>生态环境局关于印发《大气污染防治工作计划》的通知，镕、堃、喆等字须正确显示。</p>" * 3


def _page(charset: str | None) -> str:
    meta = f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">' if charset else ""
    return f"<html><head>{meta}<title>通知</title></head><body>{TEXT}</body></html>"


@pytest.mark.parametrize(
    ("data", "headers", "encoding"),
    [
        (codecs.BOM_UTF8 + _page("gb2312").encode("utf-8"), {"Content-Type": "text/html; charset=gbk"}, "utf-8"),
        (codecs.BOM_UTF16_LE + _page(None).encode("utf-16-le"), None, "utf-16-le"),
        (_page(None).encode("gb18030"), {"content-type": "text/html; charset=GB2312"}, "gb18030"),
        (_page("gbk").encode("gb18030"), None, "gb18030"),
        (_page("utf-8").encode("utf-8"), {"Content-Type": "text/html"}, "utf-8"),
        (_page(None).encode("gb18030"), None, "gb18030"),  # detection
        (_page(None).encode("utf-8"), None, "utf-8"),
        # wrong declarations: UTF-8 bytes declared GBK (header and meta), GBK bytes declared UTF-8
        (_page("gb2312").encode("utf-8"), {"Content-Type": "text/html; charset=GBK"}, "utf-8"),
        (_page("utf-8").encode("gb18030"), {"Content-Type": "text/html; charset=utf-8"}, "gb18030"),
        (_page("iso-8859-1").encode("utf-8"), None, "utf-8"),
    ],
)
def test_decode_html(data: bytes, headers: dict | None, encoding: str) -> None:
    text, used = decode_html(data, headers)
    assert used == encoding
    assert TEXT in text
    assert "\ufffd" not in text


def test_str_passes_through() -> None:
    assert decode_html("<p>已是文本</p>") == ("<p>已是文本</p>", "str")


def test_undecodable_bytes_do_not_raise() -> None:
    text, used = decode_html(b"\xff\xfe\xfa" * 10 + "正文".encode("utf-8"), {"Content-Type": "text/html; charset=utf-8"})
    assert used in {"utf-8", "gb18030", "utf-16-le"} and isinstance(text, str)


@pytest.mark.parametrize(
    ("declared", "codec"),
    [("gb2312", "gb18030"), ("GBK", "gb18030"), ("x-gbk", "gb18030"), ("cp936", "gb18030"), ("GB18030", "gb18030"),
     ("UTF8", "utf-8"), ("utf-8", "utf-8"), ("big5", "big5"), ("no-such-charset", None), ("", None), (None, None)],
)
def test_normalise_charset(declared: str | None, codec: str | None) -> None:
    assert normalise_charset(declared) == codec


@pytest.mark.parametrize(
    ("headers", "codec"),
    [({"Content-Type": "text/html;charset=\"gb2312\""}, "gb18030"), ({"CONTENT-TYPE": "text/html; charset=utf-8"}, "utf-8"),
     ({"Content-Type": "text/html"}, None), ({}, None), (None, None)],
)
def test_charset_from_headers(headers: dict | None, codec: str | None) -> None:
    assert charset_from_headers(headers) == codec


def test_meta_charset_only_in_first_4k() -> None:
    assert charset_from_meta(b'<meta charset="gbk">') == "gb18030"
    assert charset_from_meta(b" " * 5000 + b'<meta charset="gbk">') is None


@pytest.mark.parametrize("case", [c for c in load_cases() if "encoding" in c.expected], ids=lambda c: c.name)
def test_saved_pages_encoding(case) -> None:
    _, used = decode_html(case.data, case.headers)
    assert used == case.expected["encoding"]
