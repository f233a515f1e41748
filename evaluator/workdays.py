"""Working days on the Chinese official calendar (法定节假日 and 调休 make-up workdays).

The calendar is chinese-calendar's data (the State Council's yearly holiday notices), plus an
optional holiday file from the assessment for years the library does not know yet::

    # holidays.yaml
    holidays: [2027-01-01, 2027-02-05, ...]   # days off that would otherwise be workdays
    workdays: [2027-02-14, ...]               # 调休 Saturdays/Sundays that are workdays

A year counts as *covered* when chinese-calendar has data for it or the holiday file lists at
least one date in it. For a date in an uncovered year nothing is guessed: :meth:`lag` and
:meth:`add_workdays` return ``None`` and a :class:`CalendarCoverageWarning` names the years.
There is never a silent Monday–Friday fallback.
"""

from __future__ import annotations

import warnings
from functools import lru_cache
from collections.abc import Iterable
from datetime import date, timedelta
from pathlib import Path

import chinese_calendar
import yaml

from evaluator.errors import ConfigError

__all__ = ["WorkdayCalendar", "CalendarCoverageWarning", "library_years"]


class CalendarCoverageWarning(UserWarning):
    """A date lies in a year for which no official holiday data is available."""


@lru_cache(maxsize=1)
def library_years() -> tuple[int, int]:
    """First and last year of chinese-calendar's holiday data."""
    years = [d.year for d in chinese_calendar.holidays]
    return min(years), max(years)


class WorkdayCalendar:
    """Counts working days; built once per assessment and passed to the scorer.

    ``lag(f, p)`` is the number of working days ``d`` with ``f < d <= p`` (0 when ``p <= f``).
    Lookups are O(1): a prefix sum of workdays over the covered years is built on creation.
    """

    def __init__(
        self,
        extra_holidays: Iterable[date] = (),
        extra_workdays: Iterable[date] = (),
        *,
        source: str | None = None,
    ) -> None:
        self.extra_holidays = frozenset(extra_holidays)
        self.extra_workdays = frozenset(extra_workdays)
        clash = self.extra_holidays & self.extra_workdays
        if clash:
            listed = ", ".join(sorted(d.isoformat() for d in clash))
            raise ConfigError(
                f"dates listed both as holidays and as workdays: {listed}",
                path=source,
                fix="List each date under holidays or workdays, not both",
            )
        self.source = source
        first, last = library_years()
        self.covered_years = frozenset(range(first, last + 1)) | {
            d.year for d in self.extra_holidays | self.extra_workdays
        }
        self.uncovered_seen: set[int] = set()
        self._origin = date(min(self.covered_years), 1, 1)
        end = date(max(self.covered_years), 12, 31)
        self._prefix: list[int] = [0]  # _prefix[i] = workdays in [origin, origin + i)
        day, count = self._origin, 0
        while day <= end:
            count += 1 if self._is_workday_covered(day) else 0
            self._prefix.append(count)
            day += timedelta(days=1)

    # -- construction ---------------------------------------------------------------------
    @classmethod
    def from_file(cls, path: str | Path | None) -> "WorkdayCalendar":
        """Build the calendar with the dates of a holiday file (``None``: library data only)."""
        if path is None:
            return cls()
        path = Path(path)
        if not path.is_file():
            raise ConfigError(
                "holiday file not found",
                path=str(path),
                field="holidays_file",
                fix="Create it ({holidays: [YYYY-MM-DD, ...], workdays: [...]}) or remove holidays_file",
            )
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            raise ConfigError(
                f"not valid YAML ({getattr(exc, 'problem', exc)})",
                path=str(path),
                line=mark.line + 1 if mark else None,
                fix="Write {holidays: [YYYY-MM-DD, ...], workdays: [YYYY-MM-DD, ...]}",
            ) from exc
        if not isinstance(data, dict):
            raise ConfigError(
                "expected a mapping with the keys holidays and workdays",
                path=str(path),
                fix="Write {holidays: [YYYY-MM-DD, ...], workdays: [YYYY-MM-DD, ...]}",
            )
        unknown = set(data) - {"holidays", "workdays"}
        if unknown:
            raise ConfigError(
                f"unknown key(s) {', '.join(sorted(map(str, unknown)))}",
                path=str(path),
                fix="Only holidays and workdays are allowed",
            )
        return cls(
            _dates(data.get("holidays"), path, "holidays"),
            _dates(data.get("workdays"), path, "workdays"),
            source=str(path),
        )

    # -- queries --------------------------------------------------------------------------
    def covers(self, day: date) -> bool:
        """True when official holiday data exist for the year of ``day``."""
        return day.year in self.covered_years

    def is_workday(self, day: date) -> bool | None:
        """Whether ``day`` is a working day; ``None`` (with a warning) when not covered."""
        if not self.covers(day):
            self._warn({day.year})
            return None
        return self._is_workday_covered(day)

    def lag(self, formation: date, publication: date) -> int | None:
        """Working days ``d`` with ``formation < d <= publication``; ``None`` if not covered."""
        if publication <= formation:
            return 0
        missing = self._missing_years(formation, publication)
        if missing:
            self._warn(missing)
            return None
        return self._index(publication + timedelta(days=1)) - self._index(formation + timedelta(days=1))

    def add_workdays(self, start: date, n: int) -> date | None:
        """The ``n``-th working day after ``start`` (the last day of an N-workday limit).

        ``add_workdays(f, 20)`` is the deadline of the 20-working-day rule: a publication on
        or before it has ``lag <= 20``. ``None`` (with a warning) when the calendar runs out.
        """
        if n < 0:
            raise ValueError("n must be >= 0")
        if n == 0:
            return start
        if not self.covers(start):
            self._warn({start.year})
            return None
        target = self._index(start + timedelta(days=1)) + n  # prefix value to reach
        lo, hi = self._index(start + timedelta(days=1)), len(self._prefix) - 1
        if self._prefix[hi] < target:
            self._warn({max(self.covered_years) + 1})
            return None
        while lo < hi:  # smallest i with _prefix[i] >= target
            mid = (lo + hi) // 2
            if self._prefix[mid] >= target:
                hi = mid
            else:
                lo = mid + 1
        result = self._origin + timedelta(days=lo - 1)
        missing = self._missing_years(start, result)
        if missing:
            self._warn(missing)
            return None
        return result

    # -- internals ------------------------------------------------------------------------
    def _is_workday_covered(self, day: date) -> bool:
        if day in self.extra_workdays:
            return True
        if day in self.extra_holidays:
            return False
        first, last = library_years()
        if first <= day.year <= last:
            if day in chinese_calendar.workdays:
                return True
            return day.weekday() < 5 and day not in chinese_calendar.holidays
        return day.weekday() < 5  # a year covered by the holiday file: its dates are listed

    def _index(self, day: date) -> int:
        """Workdays in ``[origin, day)``; ``day`` must be in or one past the covered span."""
        return self._prefix[(day - self._origin).days]

    def _missing_years(self, a: date, b: date) -> set[int]:
        return {y for y in range(a.year, b.year + 1) if y not in self.covered_years}

    def _warn(self, years: set[int]) -> None:
        new = years - self.uncovered_seen
        self.uncovered_seen |= years
        if not new:
            return
        first, last = library_years()
        listed = ", ".join(str(y) for y in sorted(new))
        warnings.warn(
            CalendarCoverageWarning(
                f"no official holiday data for {listed} (chinese-calendar knows {first}-{last}"
                + (f", the holiday file {self.source} adds none for these years" if self.source else "")
                + "): working days touching these years are left undetermined. Update "
                "chinesecalendar or add the State Council's dates to the assessment's holidays_file."
            ),
            stacklevel=3,
        )


def _dates(value: object, path: Path, key: str) -> list[date]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ConfigError(f"expected a list of dates, got {type(value).__name__}", path=str(path), field=key,
                          fix="Write dates as YYYY-MM-DD in a YAML list")
    out: list[date] = []
    for i, item in enumerate(value):
        if isinstance(item, date):
            out.append(item)
            continue
        try:
            out.append(date.fromisoformat(str(item)))
        except ValueError:
            raise ConfigError(f"{item!r} is not a date", path=str(path), field=f"{key}[{i}]",
                              fix="Write dates as YYYY-MM-DD") from None
    return out
