"""When service centers work: Chinese public holidays and make-up workdays (调休) from the `holidays` package."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Protocol

import holidays


class WorkCalendar(Protocol):
    """What booking needs to know about a calendar day."""

    def is_closed(self, day: date) -> bool:
        """Return True when centers are closed for a public holiday on `day`."""
        ...

    def is_makeup_workday(self, day: date) -> bool:
        """Return True when `day` is a weekend day worked in exchange for a holiday (调休上班)."""
        ...


class ChinaCalendar:
    """Mainland China: statutory holidays, substituted days off and weekend make-up workdays.

    The `holidays` package lists the statutory days and the weekdays given off in exchange, and records the
    weekend days worked instead in `weekend_workdays` (from the State Council notices; years not yet announced
    carry the statutory days only). It does not list plain Saturdays and Sundays inside a holiday break
    (e.g. Sunday 2026-10-04 in Golden Week), so a weekend run touching a holiday counts as part of the break —
    which is how the official notices define every break (e.g. 端午 2026: 6月19日至21日放假).
    """

    def __init__(self) -> None:
        # Expands lazily to every year asked about.
        self._days = holidays.country_holidays("CN")
        self._closed: dict[date, bool] = {}

    def _is_holiday(self, day: date) -> bool:
        return day in self._days

    def is_makeup_workday(self, day: date) -> bool:
        """Return True when `day` is a Saturday or Sunday worked in exchange for a holiday."""
        self._is_holiday(day)  # populates the year, and with it weekend_workdays
        return day in self._days.weekend_workdays

    def is_closed(self, day: date) -> bool:
        """Return True on a public holiday or a weekend day inside a holiday break."""
        if day not in self._closed:  # asked for every technician and slot search, so remember the answer
            self._closed[day] = self._compute_closed(day)
        return self._closed[day]

    def _compute_closed(self, day: date) -> bool:
        if self.is_makeup_workday(day):
            return False
        if self._is_holiday(day):
            return True
        if day.weekday() < 5:
            return False
        return any(self._weekend_run_touches_holiday(day, step) for step in (-1, 1))

    def _weekend_run_touches_holiday(self, day: date, step: int) -> bool:
        d = day + timedelta(days=step)
        while d.weekday() >= 5 and not self._is_holiday(d) and not self.is_makeup_workday(d):
            d += timedelta(days=step)
        return self._is_holiday(d)

    def holiday_name(self, day: date) -> str | None:
        """Return the package's name for a listed holiday, else None."""
        return self._days.get(day)
