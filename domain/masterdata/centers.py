"""Service centers and their own calendar days (closures, public holidays, make-up workdays)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator, Field, model_validator

from domain.masterdata.fields import (
    Code,
    Codes,
    Hours,
    LongText,
    Text,
    TimeZone,
    check_span,
    parse_hours,
    split_list,
)
from domain.masterdata.record import Record

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# A calendar row may cover at most this many days: a longer range is more likely a typo than a closure.
MAX_CALENDAR_RANGE_DAYS = 366


PickupWindow = Annotated[tuple[dt.time, dt.time], BeforeValidator(parse_hours), AfterValidator(check_span)]
PickupWindows = Annotated[
    tuple[PickupWindow, ...],
    BeforeValidator(split_list),
    Field(description='local times a driver may collect a car: "08:00-11:00;13:00-16:00"; empty = any time'),
]


class Center(Record):
    """A service center by its code; ``active`` false closes it for good (no new booking suggestions)."""

    code: Code
    name: Text
    address: LongText = ""
    city: Text
    region: Code
    lat_deg: float = Field(ge=-90, le=90)
    lon_deg: float = Field(ge=-180, le=180)
    tz: TimeZone = Field(description="IANA time zone of the center, e.g. Asia/Shanghai")
    mon: Hours = None
    tue: Hours = None
    wed: Hours = None
    thu: Hours = None
    fri: Hours = None
    sat: Hours = None
    sun: Hours = None
    bays: int = Field(default=4, gt=0, le=1000)
    hourly_rate: Decimal | None = Field(default=None, ge=0, max_digits=10, decimal_places=2)
    brands: Codes = ()
    active: bool = True
    tax_rate: Decimal = Field(
        default=Decimal(0), ge=0, lt=1, max_digits=5, decimal_places=4, description="e.g. 0.13 for 13 % VAT"
    )
    prices_include_tax: bool = Field(
        default=True, description="true: hourly_rate and part prices include the tax; false: it is added"
    )
    pickup_offered: bool = Field(default=False, description="the center's drivers collect and return cars")
    pickup_radius_km: float | None = Field(default=None, gt=0, le=1000)
    pickup_fee: Decimal | None = Field(default=None, ge=0, max_digits=10, decimal_places=2)
    pickup_windows: PickupWindows = ()

    @model_validator(mode="after")
    def _pickup(self) -> Center:
        if self.pickup_offered and (self.pickup_radius_km is None or self.pickup_fee is None):
            raise ValueError("pickup_offered needs pickup_radius_km and pickup_fee (0 for free pickup)")
        return self

    def opening_hours(self) -> dict[str, list[str] | None]:
        """Return the week as service_center.opening_hours stores it: {"mon": ["08:30", "18:00"], "sun": None}."""
        week: dict[str, list[str] | None] = {}
        for day in WEEKDAYS:
            hours = getattr(self, day)
            week[day] = None if hours is None else [f"{hours[0]:%H:%M}", f"{hours[1]:%H:%M}"]
        return week

    def pickup_window_list(self) -> list[list[str]]:
        """Return the pickup windows as service_center.pickup_windows stores them: [["08:00", "11:00"]]."""
        return [[f"{a:%H:%M}", f"{b:%H:%M}"] for a, b in self.pickup_windows]


class CalendarDays(Record):
    """One day, or a range of days (``date`` to ``until``, inclusive), of one center's own calendar."""

    center_code: Code
    date: dt.date
    until: dt.date | None = Field(
        default=None, description="last day of a range (inclusive); empty = one day"
    )
    kind: Literal["closed", "holiday", "workday"] = Field(
        description="closed (stock-taking, renovation), holiday, or workday (a make-up workday, weekday hours)"
    )
    note: LongText = ""

    @model_validator(mode="after")
    def _range(self) -> CalendarDays:
        if self.until is not None:
            if self.until < self.date:
                raise ValueError(f"until {self.until} is before date {self.date}")
            if (self.until - self.date).days >= MAX_CALENDAR_RANGE_DAYS:
                raise ValueError(f"a range covers at most {MAX_CALENDAR_RANGE_DAYS} days")
        return self

    def days(self) -> Iterator[dt.date]:
        """Yield every day the row covers."""
        day, last = self.date, self.until or self.date
        while day <= last:
            yield day
            day += dt.timedelta(days=1)
