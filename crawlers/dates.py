"""Dates as Chinese government pages write them (site_patterns.md §5).

Supported: ``2024-03-05``, ``2024/03/05``, ``2024.03.05``, datetimes, ``2020年08月02日``,
``二〇二四年三月五日``, full-width digits and U+3000 spaces, bracketed month-day (``[12-29]``),
and dates embedded in TRS/Hanweb URLs. Yearless dates need a context date, treated as an upper
bound (the crawl date or the newest full date around): a month-day later than the context
belongs to the previous year, which handles a list holding both ``[12-29]`` and ``[01-11]``.
Patterns live in ``crawlers/data/dates.yaml``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from crawlers._data import require

__all__ = [
    "FoundDate",
    "parse_date",
    "find_dates",
    "date_from_url",
    "resolve_yearless",
    "fold_text",
    "fold_dates",
]


@dataclass(frozen=True)
class FoundDate:
    """One date found in a text: its value, the matched text and its span in the folded text."""

    value: date
    text: str
    start: int
    end: int
    yearless: bool = False


def fold_text(text: str) -> str:
    """Fold full-width digits, letters and punctuation to ASCII and U+3000 to a space (NFKC).

    NFKC keeps the string length for these characters, so spans stay comparable.
    """
    return unicodedata.normalize("NFKC", text).replace("\u00a0", " ")


@lru_cache(maxsize=1)
def _patterns() -> tuple[list[re.Pattern[str]], list[re.Pattern[str]], list[re.Pattern[str]]]:
    full = [re.compile(p["regex"]) for p in require("dates", "full")]
    yearless = [re.compile(p["regex"]) for p in require("dates", "yearless")]
    url = [re.compile(p["regex"]) for p in require("dates", "url")]
    return full, yearless, url


@lru_cache(maxsize=1)
def _numerals() -> tuple[dict[str, int], re.Pattern[str]]:
    table = {str(k): int(v) for k, v in require("dates", "numerals").items()}
    digits = "".join(k for k, v in table.items() if v < 10)
    units = "".join(k for k, v in table.items() if v >= 10)
    small = f"[{digits}{units}]{{1,3}}"
    pattern = re.compile(f"(?P<y>[{digits}]{{4}})\\s*年\\s*(?P<m>{small})\\s*月\\s*(?P<d>{small})\\s*[日号]")
    return table, pattern


def _numeral_value(text: str, table: dict[str, int]) -> int | None:
    """``五`` → 5, ``十二`` → 12, ``二十五`` → 25, ``廿五`` → 25, ``三十一`` → 31."""
    values = [table[ch] for ch in text]
    if len(values) == 1:
        return values[0]
    if values[0] in (20, 30) and len(values) == 2 and values[1] < 10:
        return values[0] + values[1]
    if 10 not in values:
        return None
    at = values.index(10)
    before, after = values[:at], values[at + 1 :]
    if len(before) > 1 or len(after) > 1 or any(v >= 10 for v in before + after):
        return None
    return (before[0] if before else 1) * 10 + (after[0] if after else 0)


def _spell_out_numeral_dates(text: str) -> str:
    """Rewrite ``二〇二四年三月五日`` as ``2024年3月5日``, keeping other text unchanged."""
    table, pattern = _numerals()

    def repl(match: re.Match[str]) -> str:
        year = "".join(str(table[ch]) for ch in match.group("y"))
        month = _numeral_value(match.group("m"), table)
        day = _numeral_value(match.group("d"), table)
        if month is None or day is None:
            return match.group(0)
        return f"{year}年{month}月{day}日"

    return pattern.sub(repl, text)


def fold_dates(text: str) -> str:
    """:func:`fold_text` plus numeral dates spelled with digits: the text spans refer to."""
    return _spell_out_numeral_dates(fold_text(text))


def _make(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def resolve_yearless(month: int, day: int, context: date) -> date | None:
    """The latest date with this month and day that is not after ``context``.

    ``[12-29]`` seen on 2025-01-20 is 2024-12-29; ``[01-11]`` is 2025-01-11.
    """
    for year in (context.year, context.year - 1, context.year - 2):
        value = _make(year, month, day)
        if value is not None and value <= context:
            return value
    return None


def find_dates(text: str, *, context: date | None = None) -> list[FoundDate]:
    """All dates in ``text`` in order of appearance; yearless ones only when ``context`` is given.

    Spans refer to :func:`fold_dates` of ``text``.
    """
    if len(text) <= _CACHED_TEXT_CHARS:
        return list(_find_dates_cached(text, context))
    return list(_find_dates(text, context))


_CACHED_TEXT_CHARS = 2000


@lru_cache(maxsize=4096)  # list detection asks about the same row texts several times per page
def _find_dates_cached(text: str, context: date | None) -> tuple[FoundDate, ...]:
    return _find_dates(text, context)


def _find_dates(text: str, context: date | None) -> tuple[FoundDate, ...]:
    folded = fold_dates(text)
    full, yearless, _ = _patterns()
    found: list[FoundDate] = []
    taken: list[tuple[int, int]] = []

    def free(start: int, end: int) -> bool:
        return all(end <= a or start >= b for a, b in taken)

    for pattern in full:
        for match in pattern.finditer(folded):
            if not free(match.start(), match.end()):
                continue
            value = _make(int(match.group("y")), int(match.group("m")), int(match.group("d")))
            if value is not None:
                found.append(FoundDate(value, match.group(0), match.start(), match.end()))
                taken.append((match.start(), match.end()))
    if context is not None:
        for pattern in yearless:
            for match in pattern.finditer(folded):
                if not free(match.start(), match.end()):
                    continue
                value = resolve_yearless(int(match.group("m")), int(match.group("d")), context)
                if value is not None:
                    found.append(FoundDate(value, match.group(0).strip(), match.start(), match.end(), True))
                    taken.append((match.start(), match.end()))
    found.sort(key=lambda f: f.start)
    return tuple(found)


def parse_date(text: str | None, *, context: date | None = None) -> date | None:
    """The first full date in ``text``; else the first yearless date resolved against ``context``.

    >>> parse_date("发布时间：２０２４－０３－０５　10:20")
    datetime.date(2024, 3, 5)
    >>> parse_date("二〇二四年三月五日")
    datetime.date(2024, 3, 5)
    >>> parse_date("[12-29]", context=date(2025, 1, 20))
    datetime.date(2024, 12, 29)
    """
    if not text:
        return None
    dates = find_dates(text, context=context)
    full = [d for d in dates if not d.yearless]
    if full:
        return full[0].value
    return dates[0].value if dates else None


def date_from_url(url: str) -> date | None:
    """The date embedded in a TRS (``t20240305_1``) or Hanweb (``/art/2024/3/5/``) article URL."""
    _, _, url_patterns = _patterns()
    for pattern in url_patterns:
        match = pattern.search(url)
        if match:
            value = _make(int(match.group("y")), int(match.group("m")), int(match.group("d")))
            if value is not None:
                return value
    return None
