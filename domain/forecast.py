"""The weather forecast the seasonal rules read: a contract (`Forecast`) and the pure decisions made from it.

A forecast is issued for one region on one day and gives each of the next `horizon` days its minimum and maximum
2 m temperature (°C), as public forecast services publish them (Open-Meteo's ``temperature_2m_min``/``_max``).
Two implementations fill it: the real provider adapter (``core.open_meteo``) and the simulator's own forecast
(``simulators.forecast``); ``core.forecasts`` stores either in ``weather_forecast``, where detection reads it.

The decisions are the seasons' definitions carried forward: the mean of a week that ends on a forecast day is its
known days (the car's own thermometer) plus the forecast days; a season is coming when such a week crosses the
season's threshold within the days looked at.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

# How many days ahead a forecast is kept: public services publish 7–16; beyond 10 days a daily temperature forecast
# is barely better than the season's normal (the error grows to about 4 °C, see `error_sd`).
MAX_HORIZON_DAYS = 10

# How far a forecast of the daily mean temperature errs, as the forecast centres verify their 2 m temperature (T.
# Haiden et al., "Evaluation of ECMWF forecasts, including the 2021 upgrade", ECMWF Technical Memorandum 884, 2021:
# root-mean-square error about 1.5–2 K at day 1 rising to about 3.5–4 K at day 10 over the extra-tropics): the
# standard deviation one and ten days ahead, linear in between, and the correlation of one forecast's errors on
# neighbouring days (a forecast too warm on day 3 is likely too warm on day 4).
SD_DAY1_C = 1.5
SD_DAY10_C = 4.0
LEAD_CORRELATION = 0.8


@dataclass(frozen=True, slots=True)
class DayForecast:
    """The forecast minimum and maximum temperature (°C) of one local calendar day."""

    day: date
    min_c: float
    max_c: float

    @property
    def mean_c(self) -> float:
        """Return the day's forecast mean temperature, (min + max) / 2."""
        return (self.min_c + self.max_c) / 2.0


@dataclass(frozen=True, slots=True)
class RegionForecast:
    """One region's forecast as issued on `issued`: `days` are the following days, in order."""

    region: str
    issued: date
    days: tuple[DayForecast, ...]

    def __post_init__(self) -> None:
        for k, d in enumerate(self.days, start=1):
            if (d.day - self.issued).days != k:
                raise ValueError(f"forecast day {d.day} is not day {k} after {self.issued}")
            if not d.min_c <= d.max_c:
                raise ValueError(f"forecast min {d.min_c} above max {d.max_c} on {d.day}")


class Forecast(Protocol):
    """A source of daily temperature forecasts per region (a weather service, or the simulator's climate)."""

    def daily(self, region: str, *, issued: date, horizon_days: int) -> RegionForecast:
        """Return `region`'s forecast issued on `issued` for the next `horizon_days` days."""
        ...


@dataclass(frozen=True, slots=True)
class Outlook:
    """The weeks ending within the days looked at, as the forecast sees them against a season's threshold."""

    days_ahead: (
        int | None
    )  # the first week that crosses the threshold ends this many days after today; None: none
    mean_c: float  # that week's mean (its known days and its forecast days), else the most extreme week's

    @property
    def coming(self) -> bool:
        """Return whether a week within the days looked at crosses the threshold."""
        return self.days_ahead is not None


def error_sd(lead_days: int) -> float:
    """Return the standard deviation (°C) of a daily mean forecast `lead_days` ahead (1.5 at day 1, 4.0 at day 10)."""
    return SD_DAY1_C + (SD_DAY10_C - SD_DAY1_C) * (lead_days - 1) / 9.0


def week_error_sd(days_ahead: int, *, window_days: int) -> float:
    """Return the standard deviation (°C) of the error of a week's mean that ends `days_ahead` days from today, its
    earlier days known (the car's thermometer, taken as exact) and its last ones forecast (`error_sd`, errors
    correlated by `LEAD_CORRELATION` ** days apart)."""
    leads = range(max(1, days_ahead - window_days + 1), days_ahead + 1)
    var = sum(error_sd(i) * error_sd(j) * LEAD_CORRELATION ** abs(i - j) for i in leads for j in leads)
    return math.sqrt(var) / window_days


def weeks_ahead(known: Sequence[float], forecast: Sequence[float], *, window_days: int) -> list[float]:
    """Return the means of the weeks ending 1, 2, … len(forecast) days from today.

    `known` are the estimated means of the last `window_days` days, oldest first, today last (NaN: no reading;
    a shorter list lacks the oldest days);
    `forecast` the forecast means of the days after today (NaN: none, which ends the list)."""
    past = [math.nan] * max(0, window_days - len(known)) + list(known[-window_days:])
    out = []
    for k, f in enumerate(forecast, start=1):
        if f != f:
            break
        days = [t for t in past[k:] if t == t] + list(forecast[max(0, k - window_days) : k])
        out.append(sum(days) / len(days))
    return out


def season_ahead(
    known: Sequence[float],
    forecast: Sequence[float],
    *,
    window_days: int,
    days: int,
    threshold_c: float,
    below: bool,
    step_c: float = 0.0,
    spread_z: float = 0.0,
) -> Outlook | None:
    """Return the first week ending within `days` days whose mean crosses `threshold_c` (under it when `below`,
    at or above it otherwise), else the coldest (`below`) or hottest week; None without a forecast. A week ending
    k days ahead must cross it by `step_c` × (k - 1) plus `spread_z` × its forecast error (`week_error_sd`) more:
    it holds more forecast days, which err more."""
    means = weeks_ahead(known, forecast[:days], window_days=window_days)
    if not means:
        return None
    for k, mean in enumerate(means, start=1):
        margin = step_c * (k - 1) + (
            spread_z * week_error_sd(k, window_days=window_days) if spread_z else 0.0
        )
        if (mean < threshold_c - margin) if below else (mean >= threshold_c + margin):
            return Outlook(days_ahead=k, mean_c=mean)
    return Outlook(days_ahead=None, mean_c=min(means) if below else max(means))
