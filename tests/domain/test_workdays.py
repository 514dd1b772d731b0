"""The China work calendar: statutory holidays, whole holiday breaks, make-up workdays (调休)."""

from datetime import date

import pytest

from domain.workdays import ChinaCalendar

CAL = ChinaCalendar()


@pytest.mark.parametrize(
    ("day", "closed"),
    [
        (date(2026, 10, 1), True),  # National Day
        (date(2026, 10, 4), True),  # Sunday inside Golden Week, not listed by the package itself
        (date(2026, 10, 7), True),  # weekday given off in exchange for Saturday 10-10
        (date(2026, 10, 8), False),
        (date(2026, 2, 21), True),  # Saturday inside the Spring Festival break
        (date(2026, 6, 20), True),  # Dragon Boat break 6-19..6-21 includes the weekend
        (date(2026, 3, 7), False),  # an ordinary Saturday
        (date(2026, 10, 10), False),  # make-up workday
        (date(2026, 11, 20), False),
    ],
)
def test_notify_closed_days(day: date, closed: bool) -> None:
    assert CAL.is_closed(day) is closed


@pytest.mark.parametrize(
    "day", [date(2026, 1, 4), date(2026, 2, 14), date(2026, 2, 28), date(2026, 9, 20), date(2026, 10, 10)]
)
def test_notify_makeup_workdays_known(day: date) -> None:
    assert day.weekday() >= 5
    assert CAL.is_makeup_workday(day)
    assert not CAL.is_closed(day)


def test_notify_ordinary_weekend_is_not_makeup() -> None:
    assert not CAL.is_makeup_workday(date(2026, 3, 7))
    assert CAL.holiday_name(date(2026, 10, 1)) == "National Day"
