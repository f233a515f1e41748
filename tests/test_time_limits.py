"""Time limits parsed from their Chinese wording (rubrics/timelimit.py)."""

from __future__ import annotations

import pytest

from evaluator.errors import ConfigError
from rubrics.timelimit import chinese_to_int, normalise_wording, parse_time_limit, time_limit_from_fields

# wording, kind, fields expected on the TimeLimit
CASES = [
    ("自该信息形成或者变更之日起20个工作日内", "workdays_from_formation", {"days": 20}),
    ("信息形成或变更之日起20个工作日内", "workdays_from_formation", {"days": 20}),
    ("制定或获取信息之日起20个工作日内", "workdays_from_formation", {"days": 20}),
    ("自该信息形成或者变更之日起二十个工作日内", "workdays_from_formation", {"days": 20}),
    ("信息形成之日起１５个工作日内", "workdays_from_formation", {"days": 15}),
    ("自信息形成之日起 7 个工作日内", "workdays_from_formation", {"days": 7}),
    ("20个工作日内", "workdays_from_formation", {"days": 20}),
    ("自收到申请之日起20个工作日内", "workdays_from_receipt", {"days": 20}),
    ("自收到申请之日起十五个工作日内", "workdays_from_receipt", {"days": 15}),
    ("每年1月31日前", "annual_deadline", {"month": 1, "day": 31}),
    ("每年6月5日前", "annual_deadline", {"month": 6, "day": 5}),
    ("每年六月五日前", "annual_deadline", {"month": 6, "day": 5}),
    ("每年３月３１日之前", "annual_deadline", {"month": 3, "day": 31}),
    ("至少1次/半年", "frequency", {"period": "half-year", "day": None}),
    ("至少一次/半年", "frequency", {"period": "half-year", "day": None}),
    ("至少1次/季度", "frequency", {"period": "quarter"}),
    ("每月10日前", "frequency", {"period": "month", "day": 10}),
    ("每季度", "frequency", {"period": "quarter", "day": None}),
    ("每年至少1次", "frequency", {"period": "year"}),
    ("每半年更新", "frequency", {"period": "half-year"}),
    ("按月更新", "frequency", {"period": "month"}),
    ("至少每月1次（次月10日前）", "frequency", {"period": "month", "day": 10}),
    ("至少每月一次（次月十日前）", "frequency", {"period": "month", "day": 10}),
    ("链接至市生态环境局对应栏目", "link_to_higher_level", {}),
    ("链接到省生态环境厅网站", "link_to_higher_level", {}),
    ("按实际更新", "as_occurs", {}),
    ("实时", "as_occurs", {}),
    ("动态更新", "as_occurs", {}),
]


@pytest.mark.parametrize(("wording", "kind", "expected"), CASES)
def test_wordings(wording: str, kind: str, expected: dict[str, object]) -> None:
    limit = parse_time_limit(wording)
    assert limit.kind == kind
    assert limit.text == wording.strip()
    for name, value in expected.items():
        assert getattr(limit, name) == value, name


def test_workday_limits_carry_no_calendar_fields() -> None:
    limit = parse_time_limit("自该信息形成或者变更之日起20个工作日内")
    assert (limit.month, limit.day, limit.period) == (None, None, None)


@pytest.mark.parametrize(
    ("numeral", "value"),
    [("十", 10), ("十五", 15), ("二十", 20), ("三十一", 31), ("一百二十", 120), ("两", 2), ("二〇二四", 2024)],
)
def test_chinese_numerals(numeral: str, value: int) -> None:
    assert chinese_to_int(numeral) == value


def test_normalise_wording() -> None:
    assert normalise_wording("自收到申请之日起 二十 个工作日内（含）") == "自收到申请之日起20个工作日内(含)"


FIX = (
    "Use one of the accepted wordings (自该信息形成或者变更之日起20个工作日内、自收到申请之日起20个工作日内、"
    "每年1月31日前、每月10日前、至少1次/半年、每季度、链接至市生态环境局对应栏目、按实际更新) or write a mapping "
    'with an explicit kind (see docs/catalogue.md, "Time limits")'
)


@pytest.mark.parametrize(
    ("wording", "reason"),
    [
        ("视情况而定", "no known wording matches"),
        ("自信息形成之日起20日内", "no known wording matches"),
        ("每年2月30日前", "2月30日 is not a date"),
        ("每年13月1日前", "13月1日 is not a date"),
        ("至少2次/年", "only one publication per period can be checked, not 2; write the period instead (至少2次/年 → 至少1次/半年)"),
        ("自收到申请之日起0个工作日内", "the number of working days must be positive"),
        ("   ", "it is empty"),
    ],
)
def test_unparseable_wording_quotes_the_text(wording: str, reason: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_time_limit(wording)
    quoted = wording.strip() if wording.strip() else wording
    assert str(info.value) == f"cannot understand the time limit '{quoted}': {reason}. {FIX}"


def test_error_is_located_when_told_where() -> None:
    with pytest.raises(ConfigError) as info:
        parse_time_limit("视情况而定", path="cat.yaml", line=12, field="items[3].time_limit")
    assert str(info.value).startswith("cat.yaml:12: items[3].time_limit: cannot understand the time limit '视情况而定'")


def test_explicit_fields() -> None:
    limit = time_limit_from_fields("每月15日前发布上月月报", "frequency", days=None, month=None, day=15, period="month")
    assert (limit.kind, limit.period, limit.day, limit.text) == ("frequency", "month", 15, "每月15日前发布上月月报")


@pytest.mark.parametrize(
    ("kind", "fields", "message"),
    [
        ("weekly", {}, "unknown time-limit kind 'weekly'. Use one of: workdays_from_formation, workdays_from_receipt, "
         "annual_deadline, frequency, link_to_higher_level, as_occurs"),
        ("frequency", {}, "a 'frequency' time limit needs 'period'. Add 'period: …'"),
        ("frequency", {"period": "week"}, "unknown period 'week'. Use one of: month, quarter, half-year, year"),
        ("annual_deadline", {"month": 2}, "a 'annual_deadline' time limit needs 'day'. Add 'day: …'"),
        ("workdays_from_formation", {}, "a 'workdays_from_formation' time limit needs 'days'. Add 'days: …'"),
    ],
)
def test_explicit_fields_errors(kind: str, fields: dict[str, object], message: str) -> None:
    values = {"days": None, "month": None, "day": None, "period": None, **fields}
    with pytest.raises(ConfigError) as info:
        time_limit_from_fields("x", kind, **values)  # type: ignore[arg-type]
    assert str(info.value) == message
