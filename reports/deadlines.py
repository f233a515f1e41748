"""The next publication deadline of a catalogue item, for the self-audit checklist.

Counted from the assessment's reference date ``ref`` on the Chinese working-day calendar
(:class:`evaluator.workdays.WorkdayCalendar`, with the assessment's holiday file):

- ``workdays_from_formation`` / ``workdays_from_receipt`` (N working days): information formed
  (or a request received) on ``ref`` is due by the N-th working day after ``ref``.
- ``annual_deadline`` (M-D): the next M-D on or after ``ref``.
- ``frequency`` (period P, optional day d): with ``d``, day d of the first month of the current
  period when still ahead, else of the next period; without ``d``, the last day of the current
  period (the period must hold one publication).
- ``link_to_higher_level`` and ``as_occurs``: no deadline (``None``).
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from evaluator.workdays import WorkdayCalendar
from rubrics.model import TimeLimit

__all__ = ["next_deadline", "period_bounds"]

_PERIOD_MONTHS = {"month": 1, "quarter": 3, "half-year": 6, "year": 12}


def period_bounds(day: date, period: str) -> tuple[date, date]:
    """First and last day of the calendar month/quarter/half-year/year containing ``day``."""
    months = _PERIOD_MONTHS[period]
    first_month = (day.month - 1) // months * months + 1
    last_month = first_month + months - 1
    last_day = calendar.monthrange(day.year, last_month)[1]
    return date(day.year, first_month, 1), date(day.year, last_month, last_day)


def _safe_date(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def next_deadline(limit: TimeLimit, ref: date, workdays: WorkdayCalendar) -> date | None:
    """The next deadline of ``limit`` counted from ``ref``; ``None`` when the limit has none
    or the working-day calendar has no data for the years involved."""
    if limit.kind in ("workdays_from_formation", "workdays_from_receipt"):
        if not limit.days:
            return None
        return workdays.add_workdays(ref, limit.days)
    if limit.kind == "annual_deadline" and limit.month and limit.day:
        this_year = _safe_date(ref.year, limit.month, limit.day)
        return this_year if this_year >= ref else _safe_date(ref.year + 1, limit.month, limit.day)
    if limit.kind == "frequency" and limit.period in _PERIOD_MONTHS:
        start, end = period_bounds(ref, limit.period)
        if not limit.day:
            return end
        due = _safe_date(start.year, start.month, limit.day)
        if due >= ref:
            return due
        nxt = end + timedelta(days=1)
        return _safe_date(nxt.year, nxt.month, limit.day)
    return None
