"""Locale- and time-zone-aware formatting of dates, slots and quantities for messages (Babel, pure)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_interval, format_skeleton
from babel.numbers import format_decimal
from babel.units import format_unit

# Unit symbols as they are written after a number; percent and degrees attach without a space in both locales.
# CLDR puts thin and narrow no-break spaces into times and ranges; SMS and some push channels mangle them.
_PLAIN_SPACES = str.maketrans({"\u2009": " ", "\u202f": " ", "\u00a0": " "})
_UNIT_SUFFIX = {"V": " V", "A": " A", "%": "%", "percent": "%", "celsius": " °C", "°C": " °C", "km": " km"}


class Formatter:
    """Formats values for one customer: their locale and their time zone."""

    def __init__(self, locale: str, tz: str) -> None:
        self.locale = Locale.parse(locale, sep="-")
        self.tz = ZoneInfo(tz)
        # 12-hour clock reads naturally in English, 24-hour in Chinese.
        self._hm = "hm" if self.locale.language == "en" else "Hm"

    def day(self, value: date) -> str:
        """Return a long date, e.g. 'November 3, 2026' / '2026年11月3日'."""
        return _plain(format_date(value, "long", locale=self.locale))

    def moment(self, value: datetime) -> str:
        """Return a date and time in the customer's zone, e.g. 'Nov 3, 2026, 7:42 AM' / '2026年11月3日 07:42'."""
        local = _aware(value).astimezone(self.tz)
        day = format_skeleton("yMMMd", local, locale=self.locale)
        clock = format_skeleton(self._hm, local, locale=self.locale)
        return _plain(f"{day}, {clock}" if self.locale.language == "en" else f"{day} {clock}")

    def when(self, value: str | date | datetime) -> str:
        """Return a reading's time: a day as a date, a timestamp as a local date and time."""
        parsed: date | datetime
        if isinstance(value, str):
            try:
                parsed = date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)
            except ValueError:
                return value  # show what detection wrote rather than lose the message
        else:
            parsed = value
        return self.moment(parsed) if isinstance(parsed, datetime) else self.day(parsed)

    def slot(self, start: datetime, end: datetime) -> str:
        """Return a slot as weekday, date and time range in the customer's zone."""
        local = _aware(start).astimezone(self.tz)
        day = format_skeleton("yMMMEd", local, locale=self.locale)
        hours = format_interval(_aware(start), _aware(end), self._hm, tzinfo=self.tz, locale=self.locale)
        return _plain(f"{day}, {hours}" if self.locale.language == "en" else f"{day} {hours}")

    def number(self, value: float) -> str:
        """Return a number with up to two decimals."""
        return _plain(format_decimal(value, "#,##0.##", locale=self.locale))

    def quantity(self, value: float, unit: str) -> str:
        """Return a number followed by its unit symbol."""
        return self.number(value) + _UNIT_SUFFIX.get(unit, f" {unit}" if unit else "")

    def minutes(self, value: float) -> str:
        """Return a duration in minutes, e.g. '90 minutes' / '90分钟'."""
        return _plain(format_unit(value, "duration-minute", locale=self.locale))

    def km(self, value: float) -> str:
        """Return a distance, e.g. '12.3 km' / '12.3公里'."""
        return _plain(format_unit(round(value, 1), "length-kilometer", length="short", locale=self.locale))


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _plain(text: str) -> str:
    return text.translate(_PLAIN_SPACES)
