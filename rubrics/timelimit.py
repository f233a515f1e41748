"""Time-limit rules from their Chinese wording (公开时限 / 更新频率).

``parse_time_limit("自该信息形成或者变更之日起20个工作日内")`` returns
``TimeLimit(kind="workdays_from_formation", days=20, …)``. The wordings and what they mean are
data (``rubrics/data/time_limits.yaml``); this module normalises the text (full-width
characters, spaces, Chinese numerals) and applies the rules in order. A wording no rule
understands is a :class:`ConfigError` quoting it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, cast

import yaml

from evaluator.errors import ConfigError
from rubrics.model import FrequencyPeriod, TimeLimit, TimeLimitKind

__all__ = [
    "parse_time_limit",
    "time_limit_from_fields",
    "normalise_wording",
    "chinese_to_int",
    "TIME_LIMIT_KINDS",
    "FREQUENCY_PERIODS",
]

TIME_LIMIT_KINDS: tuple[str, ...] = (
    "workdays_from_formation",
    "workdays_from_receipt",
    "annual_deadline",
    "frequency",
    "link_to_higher_level",
    "as_occurs",
)
FREQUENCY_PERIODS: tuple[str, ...] = ("month", "quarter", "half-year", "year")

_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}
_NUMERAL_RUN = re.compile("[〇零一二两三四五六七八九十百千]+")

ACCEPTED_EXAMPLES = (
    "自该信息形成或者变更之日起20个工作日内",
    "自收到申请之日起20个工作日内",
    "每年1月31日前",
    "每月10日前",
    "至少1次/半年",
    "每季度",
    "链接至市生态环境局对应栏目",
    "按实际更新",
)


@dataclass(frozen=True)
class _Rule:
    kind: str
    pattern: re.Pattern[str]
    period: str | None


def chinese_to_int(numeral: str) -> int:
    """``二十`` → 20, ``十五`` → 15, ``三十一`` → 31, ``一百二十`` → 120, ``二〇`` → 20."""
    if all(ch in _DIGITS for ch in numeral):  # digit by digit: 二〇二四
        return int("".join(str(_DIGITS[ch]) for ch in numeral))
    total, current = 0, 0
    for ch in numeral:
        if ch in _DIGITS:
            current = _DIGITS[ch]
        else:
            total += (current or 1) * _UNITS[ch]
            current = 0
    return total + current


def normalise_wording(text: str) -> str:
    """Full-width to ASCII (NFKC), no whitespace, Chinese numerals as Arabic digits."""
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"\s+", "", text)
    return _NUMERAL_RUN.sub(lambda m: str(chinese_to_int(m.group(0))), text)


@lru_cache(maxsize=1)
def _rules() -> tuple[dict[str, str], tuple[_Rule, ...]]:
    raw: dict[str, Any] = yaml.safe_load(
        resources.files("rubrics").joinpath("data/time_limits.yaml").read_text(encoding="utf-8")
    )
    units = {str(k): str(v) for k, v in raw["units"].items()}
    rules = tuple(
        _Rule(kind=str(r["kind"]), pattern=re.compile(str(r["pattern"])), period=r.get("period")) for r in raw["rules"]
    )
    for rule in rules:
        if rule.kind not in TIME_LIMIT_KINDS:
            raise ConfigError(f"unknown kind '{rule.kind}'", path="rubrics/data/time_limits.yaml", field="rules")
    return units, rules


def _unparseable(text: str, reason: str, **where: Any) -> ConfigError:
    return ConfigError(
        f"cannot understand the time limit '{text}': {reason}",
        fix="Use one of the accepted wordings (" + "、".join(ACCEPTED_EXAMPLES) + ") or write a mapping "
        "with an explicit kind (see docs/catalogue.md, \"Time limits\")",
        **where,
    )


def parse_time_limit(text: str, **where: Any) -> TimeLimit:
    """Parse a Chinese time-limit wording into a :class:`TimeLimit` (``text`` keeps the wording).

    ``where`` (``path``, ``line``, ``field``) locates the wording in its file for the error.
    Raises :class:`ConfigError` quoting the text when no rule understands it.
    """
    original = text.strip()
    if not original:
        raise _unparseable(text, "it is empty", **where)
    normal = normalise_wording(original)
    units, rules = _rules()
    for rule in rules:
        match = rule.pattern.search(normal)
        if match is None:
            continue
        groups = {k: v for k, v in match.groupdict().items() if v is not None}
        kind = cast(TimeLimitKind, rule.kind)
        if kind in ("workdays_from_formation", "workdays_from_receipt"):
            days = int(groups["days"])
            if days <= 0:
                raise _unparseable(original, "the number of working days must be positive", **where)
            return TimeLimit(kind=kind, text=original, days=days)
        if kind == "annual_deadline":
            month, day = int(groups["month"]), int(groups["day"])
            _check_month_day(original, month, day, where)
            return TimeLimit(kind=kind, text=original, month=month, day=day)
        if kind == "frequency":
            period = rule.period or units[groups["unit"]]
            count = int(groups.get("count", 1))
            if count != 1:
                raise _unparseable(
                    original,
                    f"only one publication per period can be checked, not {count}; "
                    "write the period instead (至少2次/年 → 至少1次/半年)",
                    **where,
                )
            day = int(groups["day"]) if "day" in groups else None
            if day is not None and not 1 <= day <= 31:
                raise _unparseable(original, f"day {day} does not exist", **where)
            return TimeLimit(kind=kind, text=original, period=cast(FrequencyPeriod, period), day=day)
        return TimeLimit(kind=kind, text=original)
    raise _unparseable(original, "no known wording matches", **where)


def _check_month_day(text: str, month: int, day: int, where: dict[str, Any]) -> None:
    days_in_month = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
    if not 1 <= month <= 12 or not 1 <= day <= days_in_month[month - 1]:
        raise _unparseable(text, f"{month}月{day}日 is not a date", **where)


def time_limit_from_fields(
    text: str, kind: str, *, days: int | None, month: int | None, day: int | None, period: str | None, **where: Any
) -> TimeLimit:
    """A custom rule written as a mapping (``kind`` plus its numbers), checked for consistency."""
    if kind not in TIME_LIMIT_KINDS:
        raise ConfigError(f"unknown time-limit kind '{kind}'", fix="Use one of: " + ", ".join(TIME_LIMIT_KINDS), **where)
    needs: dict[str, tuple[str, ...]] = {
        "workdays_from_formation": ("days",),
        "workdays_from_receipt": ("days",),
        "annual_deadline": ("month", "day"),
        "frequency": ("period",),
    }
    values = {"days": days, "month": month, "day": day, "period": period}
    for name in needs.get(kind, ()):
        if values[name] is None:
            raise ConfigError(f"a '{kind}' time limit needs '{name}'", fix=f"Add '{name}: …'", **where)
    if period is not None and period not in FREQUENCY_PERIODS:
        raise ConfigError(f"unknown period '{period}'", fix="Use one of: " + ", ".join(FREQUENCY_PERIODS), **where)
    if days is not None and days <= 0:
        raise ConfigError("days must be positive", **where)
    if kind == "annual_deadline":
        assert month is not None and day is not None
        _check_month_day(text, month, day, where)
    return TimeLimit(
        kind=cast(TimeLimitKind, kind),
        text=text,
        days=days,
        month=month,
        day=day,
        period=cast(FrequencyPeriod, period) if period else None,
    )
