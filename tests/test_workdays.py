"""Working days on the Chinese official calendar: hand-computed lags and deadlines."""

from __future__ import annotations

import warnings
from datetime import date

import pytest

from evaluator.errors import ConfigError
from evaluator.workdays import CalendarCoverageWarning, WorkdayCalendar

D = date.fromisoformat


@pytest.fixture(scope="module")
def cal() -> WorkdayCalendar:
    return WorkdayCalendar()


@pytest.mark.parametrize(
    "formation, publication, expected, why",
    [
        # 9-28 (Sun) 调休 workday =1, 9-29 =2, 9-30 =3, 10-01..08 National Day/Mid-Autumn holidays,
        # 10-09 =4, 10-10 =5.
        ("2025-09-26", "2025-10-10", 5, "across National Day with a 调休 Sunday"),
        ("2025-09-26", "2025-10-11", 6, "10-11 (Sat) is a 调休 workday"),
        ("2025-09-26", "2025-10-12", 6, "10-12 (Sun) is a rest day"),
        ("2025-09-30", "2025-10-08", 0, "only holidays after the formation date"),
        # Spring Festival 2025: 01-26 (Sun) =1, 01-27 =2, 01-28..02-04 holidays, 02-05 =3, 02-06 =4,
        # 02-07 =5, 02-08 (Sat) =6, 02-10 =7.
        ("2025-01-24", "2025-02-10", 7, "across the Spring Festival with two 调休 days"),
        ("2025-03-03", "2025-03-10", 5, "an ordinary week"),
        ("2025-03-07", "2025-03-08", 0, "Saturday after a Friday"),
        ("2025-03-10", "2025-03-10", 0, "same day"),
        ("2025-03-10", "2025-03-01", 0, "published before formation"),
    ],
)
def test_lag_hand_computed(cal: WorkdayCalendar, formation: str, publication: str, expected: int, why: str) -> None:
    assert cal.lag(D(formation), D(publication)) == expected, why


@pytest.mark.parametrize(
    "day, expected",
    [("2025-09-28", True), ("2025-10-01", False), ("2025-10-08", False), ("2025-10-11", True),
     ("2025-10-12", False), ("2025-02-08", True), ("2025-03-12", True)],
)
def test_is_workday(cal: WorkdayCalendar, day: str, expected: bool) -> None:
    assert cal.is_workday(D(day)) is expected


@pytest.mark.parametrize(
    "start, n, expected",
    [
        ("2025-09-26", 5, "2025-10-10"),
        ("2025-09-26", 6, "2025-10-11"),
        # after 10-11 (=6): 10-13..17 =7..11, 10-20..24 =12..16, 10-27..30 =17..20
        ("2025-09-26", 20, "2025-10-30"),
        ("2025-03-07", 1, "2025-03-10"),
        ("2025-03-07", 0, "2025-03-07"),
    ],
)
def test_add_workdays(cal: WorkdayCalendar, start: str, n: int, expected: str) -> None:
    assert cal.add_workdays(D(start), n) == D(expected)
    assert cal.lag(D(start), D(expected)) == n


def test_outside_library_data_warns_with_years_and_never_guesses() -> None:
    cal = WorkdayCalendar()
    with pytest.warns(CalendarCoverageWarning, match=r"no official holiday data for 2027 .*holidays_file"):
        assert cal.lag(D("2026-12-20"), D("2027-01-10")) is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert cal.lag(D("2026-12-20"), D("2027-01-10")) is None  # warned once per year
    assert cal.uncovered_seen == {2027}
    with pytest.warns(CalendarCoverageWarning, match="2099"):
        assert cal.add_workdays(D("2099-01-01"), 3) is None
    with pytest.warns(CalendarCoverageWarning, match="2027"):
        assert WorkdayCalendar().add_workdays(D("2026-12-30"), 10) is None


def test_holiday_file_covers_a_new_year(tmp_path) -> None:
    path = tmp_path / "holidays.yaml"
    path.write_text("holidays: [2027-01-01]\nworkdays: ['2027-01-09']\n", encoding="utf-8")
    cal = WorkdayCalendar.from_file(path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # 2026-12-31 (Thu) -> 2027-01-04 (Mon): 01-01 holiday, weekend, 01-04 = 1
        assert cal.lag(D("2026-12-31"), D("2027-01-04")) == 1
        # 01-05..08 = 4 more, 01-09 (Sat) listed as a workday = 6
        assert cal.lag(D("2026-12-31"), D("2027-01-09")) == 6
        assert cal.add_workdays(D("2026-12-31"), 6) == D("2027-01-09")


@pytest.mark.parametrize(
    "content, message",
    [
        ("holidays: [2027-01-01, 'x']\n", "h.yaml: holidays[1]: 'x' is not a date. Write dates as YYYY-MM-DD"),
        ("holidays: 2027-01-01\n", "h.yaml: holidays: expected a list of dates, got date. Write dates as YYYY-MM-DD in a YAML list"),
        ("holiday: []\n", "h.yaml: unknown key(s) holiday. Only holidays and workdays are allowed"),
        ("- 2027-01-01\n", "h.yaml: expected a mapping with the keys holidays and workdays. Write {holidays: [YYYY-MM-DD, ...], workdays: [YYYY-MM-DD, ...]}"),
        ("holidays: [2027-01-01]\nworkdays: [2027-01-01]\n", "h.yaml: dates listed both as holidays and as workdays: 2027-01-01. List each date under holidays or workdays, not both"),
        ("holidays: [2027-01-01\n", "h.yaml:2: not valid YAML"),
    ],
)
def test_holiday_file_errors(tmp_path, content: str, message: str) -> None:
    path = tmp_path / "h.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        WorkdayCalendar.from_file(path)
    expected = f"{tmp_path}/{message}"
    if message.endswith("not valid YAML"):  # followed by the parser's own wording
        assert str(err.value).startswith(expected + " (")
    else:
        assert str(err.value) == expected


def test_missing_holiday_file(tmp_path) -> None:
    with pytest.raises(ConfigError, match="holidays_file: holiday file not found"):
        WorkdayCalendar.from_file(tmp_path / "none.yaml")
