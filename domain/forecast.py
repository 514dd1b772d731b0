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
# is barely better than the season's normal (`ANOMALY_CORRELATION` falls to 0.6).
MAX_HORIZON_DAYS = 10

# How well a forecast knows the weather `h` days ahead: the anomaly correlation coefficient (ACC) of its daily mean
# with the truth, both as departures from the climatological normal. The shape is ECMWF's published verification of
# its high-resolution forecast (ECMWF Forecast User Guide, section 6.4 "Anomaly correlation": about 0.985, 0.92 and
# 0.80 at 3, 5 and 7 days for the northern extra-tropics), ending at 0.6 ten days ahead, where 2 m temperature
# forecasts lose their useful skill (L. Chen et al., "FuXi: a cascade machine learning forecasting system for 15-day
# global weather forecast", npj Climate and Atmospheric Science 6, 190, 2023, Fig. 1: ECMWF HRES 2 m temperature
# keeps ACC >= 0.6 for about ten days); linear in between, days 1 and 2 between 1.0 at day 0 and day 3. A
# calibrated forecast errs by the climate's own day-to-day spread × sqrt(1 - ACC²) (`error_sd`): close to the
# truth tomorrow, towards the season's normal ten days out, never further from the truth than the normal is.
ANOMALY_CORRELATION: tuple[float, ...] = (0.995, 0.990, 0.985, 0.9525, 0.92, 0.86, 0.80, 0.7333, 0.6667, 0.60)
# how the simulator's forecast errors on neighbouring days are correlated (a forecast too warm on day 3 is likely
# too warm on day 4; ``simulators.forecast``)
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


def anomaly_correlation(lead_days: int) -> float:
    """Return the anomaly correlation of a daily mean forecast `lead_days` (1 .. `MAX_HORIZON_DAYS`) ahead."""
    return ANOMALY_CORRELATION[min(max(lead_days, 1), MAX_HORIZON_DAYS) - 1]


def error_sd(lead_days: int, *, climate_sd_c: float) -> float:
    """Return the standard deviation (°C) of a calibrated daily mean forecast's error `lead_days` ahead, where the
    daily mean departs from its normal with standard deviation `climate_sd_c`."""
    return climate_sd_c * math.sqrt(1.0 - anomaly_correlation(lead_days) ** 2)


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
    week_sd: Sequence[float] = (),
) -> Outlook | None:
    """Return the first week ending within `days` days whose mean crosses `threshold_c` (under it when `below`,
    at or above it otherwise), else the coldest (`below`) or hottest week; None without a forecast. A week ending
    k days ahead must cross it by `step_c` × (k - 1) plus `spread_z` × its forecast error (`week_sd`[k - 1], e.g.
    `week_errors`) more: it holds more forecast days, which err more. A week without an error is not judged."""
    means = weeks_ahead(known, forecast[:days], window_days=window_days)
    if not means:
        return None
    if spread_z:
        means = means[: len(week_sd)]
        if not means:
            return None
    for k, mean in enumerate(means, start=1):
        margin = step_c * (k - 1) + (spread_z * week_sd[k - 1] if spread_z else 0.0)
        if (mean < threshold_c - margin) if below else (mean >= threshold_c + margin):
            return Outlook(days_ahead=k, mean_c=mean)
    return Outlook(days_ahead=None, mean_c=min(means) if below else max(means))


def week_errors(
    observed: Sequence[float], issued: Sequence[Sequence[float]], *, window_days: int, min_issues: int
) -> list[float]:
    """Return the root-mean-square error (°C) of the forecast mean of the week ending k = 1, 2, … days ahead, as the
    forecasts issued on past days verify against what was then observed (the provider's verification, measured).

    `observed` are the daily means of consecutive days, oldest first (NaN: none that day); `issued[i]` the forecast
    means issued on day i of that series for the days after it (empty or NaN: none). A week is judged only when all
    its days were observed; the list ends at the first k with fewer than `min_issues` such weeks."""
    sums: dict[int, list[float]] = {}
    for i, forecast in enumerate(issued):
        if i < window_days - 1 or not forecast:
            continue
        known = observed[i - window_days + 1 : i + 1]
        if any(t != t for t in known):
            continue
        for k, mean in enumerate(weeks_ahead(known, forecast, window_days=window_days), start=1):
            truth = observed[i + k - window_days + 1 : i + k + 1]
            if i + k >= len(observed) or any(t != t for t in truth):
                continue
            sums.setdefault(k, []).append((mean - sum(truth) / window_days) ** 2)
    out = []
    for k in range(1, len(sums) + 1):
        if len(sums.get(k, ())) < min_issues:
            break
        out.append(math.sqrt(sum(sums[k]) / len(sums[k])))
    return out
