"""Dates a document does not state in its metadata: the 落款 date at the end of the body.

Used for the formation date when the store has none (docs/scoring.md, "Timeliness"): a
short line near the end of the body that is only a date (the signature), not later than the
publication date. Dates inside sentences ("2025年3月5日，我局召开…") are never taken.
"""

from __future__ import annotations

import re
from datetime import date

from evaluator.scoring.inputs import settings

__all__ = ["signature_date", "parse_chinese_dates"]

_DIGITS = {"〇": 0, "零": 0, "○": 0, "O": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_ARABIC = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_HANZI = re.compile(r"([〇零○O一二三四五六七八九]{4})\s*年\s*([一二三四五六七八九十]{1,3})\s*月\s*([一二三四五六七八九十]{1,3})\s*日")
_ISO = re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")


def _hanzi_number(text: str) -> int:
    """一 … 三十一 as an int (months and days only)."""
    if "十" not in text:
        return _DIGITS[text]
    tens, _, ones = text.partition("十")
    return (_DIGITS[tens] if tens else 1) * 10 + (_DIGITS[ones] if ones else 0)


def parse_chinese_dates(text: str) -> list[date]:
    """Every valid full date in ``text`` (2025年9月26日, 二〇二五年九月二十六日, 2025-09-26)."""
    found: list[date] = []
    for y, m, d in _ARABIC.findall(text) + _ISO.findall(text):
        try:
            found.append(date(int(y), int(m), int(d)))
        except ValueError:
            continue
    for y, m, d in _HANZI.findall(text):
        try:
            found.append(date(int("".join(str(_DIGITS[ch]) for ch in y)), _hanzi_number(m), _hanzi_number(d)))
        except (ValueError, KeyError):
            continue
    return found


def _dates_with_spans(line: str) -> list[tuple[date, int, int]]:
    found: list[tuple[date, int, int]] = []
    for pattern, hanzi in ((_ARABIC, False), (_ISO, False), (_HANZI, True)):
        for m in pattern.finditer(line):
            y, mo, d = m.groups()
            try:
                if hanzi:
                    value = date(int("".join(str(_DIGITS[ch]) for ch in y)), _hanzi_number(mo), _hanzi_number(d))
                else:
                    value = date(int(y), int(mo), int(d))
            except (ValueError, KeyError):
                continue
            found.append((value, m.start(), m.end()))
    return found


def signature_date(body: str, publication: date | None) -> date | None:
    """The body's 落款 date: a short line near the end that is only a date (perhaps after the
    issuing body's name); ``None`` when there is none or it is after ``publication``."""
    if not body or publication is None:
        return None
    conf = settings()["formation_from_body"]
    lines = [line.strip() for line in body.split("\n") if line.strip()][-int(conf["scan_lines"]):]
    for line in reversed(lines):
        if len(line) > int(conf["max_line_chars"]):
            continue
        found = _dates_with_spans(line)
        if len(found) != 1:
            continue
        value, start, end = found[0]
        rest = (line[:start] + line[end:]).strip(" \t\u3000（）()")
        if re.search(r"[\d:：]", rest) or len(rest) > int(conf["max_other_chars"]):
            continue
        return value if value <= publication else None
    return None
