"""parse_date / find_dates: every form of site_patterns.md §5, numerals, full width, rollover."""

from __future__ import annotations

from datetime import date

import pytest

from crawlers import parse_date
from crawlers.dates import date_from_url, find_dates, resolve_yearless

D = date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-05", D(2024, 3, 5)),
        ("2022-04-17 14:46:00", D(2022, 4, 17)),
        ("2019-09-18 06:23", D(2019, 9, 18)),
        ("2020年08月02日", D(2020, 8, 2)),
        ("2020 年 8 月 2 日", D(2020, 8, 2)),
        ("发布时间：2026-01-22 11:40:11", D(2026, 1, 22)),
        ("来源：某市生态环境局 发布时间：2024-1-9", D(2024, 1, 9)),
        ("2024/03/05", D(2024, 3, 5)),
        ("2024.03.05", D(2024, 3, 5)),
        ("２０２４－０３－０５", D(2024, 3, 5)),
        ("发布日期：２０２４年３月５日", D(2024, 3, 5)),
        ("２０２４年\u3000３月\u3000５日", D(2024, 3, 5)),
        ("二〇二四年三月五日", D(2024, 3, 5)),
        ("二〇二四年十二月二十五日", D(2024, 12, 25)),
        ("二〇二三年十月十日", D(2023, 10, 10)),
        ("二〇二三年一月三十一日", D(2023, 1, 31)),
        ("二O二三年二月廿八日", D(2023, 2, 28)),
        ("二〇一九年十一月二十日印发", D(2019, 11, 20)),
        ("20240305", D(2024, 3, 5)),
        ("2024-02-30", None),
        ("2024年13月1日", None),
        ("第2024-01号", None),
        ("联系电话：0571-87654321", None),
        ("", None),
        (None, None),
        ("[12-29]", None),  # yearless without context
    ],
)
def test_parse_date(text: str | None, expected: date | None) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "context", "expected"),
    [
        ("[12-29]", D(2025, 1, 20), D(2024, 12, 29)),
        ("[01-11]", D(2025, 1, 20), D(2025, 1, 11)),
        ("[01-20]", D(2025, 1, 20), D(2025, 1, 20)),
        ("[01-21]", D(2025, 1, 20), D(2024, 1, 21)),
        ("12-08", D(2024, 12, 31), D(2024, 12, 8)),
        ("3月5日", D(2024, 6, 1), D(2024, 3, 5)),
        ("【02-29】", D(2025, 3, 1), D(2024, 2, 29)),
        ("2023-05-06 [12-29]", D(2025, 1, 20), D(2023, 5, 6)),  # a full date wins
    ],
)
def test_yearless_rollover(text: str, context: date, expected: date) -> None:
    assert parse_date(text, context=context) == expected


def test_resolve_yearless_rejects_impossible_day() -> None:
    assert resolve_yearless(2, 30, D(2025, 1, 1)) is None


def test_find_dates_in_order_with_spans() -> None:
    found = find_dates("成文日期：二〇二四年三月五日　发布日期：2024-03-08 [03-09]", context=D(2024, 3, 10))
    assert [(f.value, f.yearless) for f in found] == [(D(2024, 3, 5), False), (D(2024, 3, 8), False), (D(2024, 3, 9), True)]
    assert found[1].text == "2024-03-08"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://a.gov.cn/xxgk/202204/t20220417_123456.shtml", D(2022, 4, 17)),
        ("http://a.gov.cn/xxgk/201909/t20190918_693227_1.shtml", D(2019, 9, 18)),
        ("http://a.gov.cn/art/2021/9/30/art_12377_1452512.html", D(2021, 9, 30)),
        ("http://a.gov.cn/art/2021-9-30/art_12377_1452512.html", D(2021, 9, 30)),
        ("http://a.gov.cn/news/2024/03/05/123.html", None),
        ("http://a.gov.cn/gkmlpt/content/12/12568/post_12568123.html", None),
    ],
)
def test_date_from_url(url: str, expected: date | None) -> None:
    assert date_from_url(url) == expected
