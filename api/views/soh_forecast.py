"""The owner's view of the SOH trend: ``domain.soh_trend`` (the EV battery rule's fit) placed on the calendar.

The fit and its band are the domain's, the numbers the risk is raised from, so the chart's line crosses the threshold
on the risk's predicted date: like the rule, the chart first undoes firmware recalibration steps
(``domain.levelshift``) and fits the cleaned series. This module only maps rollup days to the domain's time axis and
names the forecast horizon the health summary and the chart show (pure).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import numpy as np

from domain.levelshift import find_steps, remove_steps
from domain.soh_trend import SohTrend, day_axes, fit_trend

# Fewer daily values than this, or a shorter span, give no forecast: the daily noise (±0.3 %) would dominate.
MIN_POINTS = 14
MIN_SPAN_DAYS = 21


@dataclass(frozen=True, slots=True)
class SohForecast:
    """The trend seen from the last reading: the projection `horizon_days` later and its band."""

    trend: SohTrend
    last_day: date
    last_x: float  # the last reading in the trend's time axis (days from `now`)
    horizon_days: int

    @property
    def slope_per_year(self) -> float:
        """Return the fitted fade in percentage points per year."""
        return self.trend.fit.slope * 365.0

    def at(self, days_after_last: float) -> tuple[float, float, float]:
        """Return (expected, low, high) SOH a number of days after the last reading."""
        return self.trend.at(self.last_x + days_after_last)

    @property
    def forecast(self) -> float:
        """Return the expected SOH `horizon_days` after the last reading."""
        return self.at(self.horizon_days)[0]

    @property
    def low(self) -> float:
        """Return the low end of the band `horizon_days` after the last reading."""
        return self.at(self.horizon_days)[1]

    @property
    def high(self) -> float:
        """Return the high end of the band `horizon_days` after the last reading."""
        return self.at(self.horizon_days)[2]


def fit_soh(
    points: list[tuple[date, float]], *, now: datetime, horizon_days: int = 365
) -> SohForecast | None:
    """Return the trend through daily (day, SOH %) values seen at `now` (recalibration steps undone), or None when
    there is too little."""
    if len(points) < MIN_POINTS or (points[-1][0] - points[0][0]).days < MIN_SPAN_DAYS:
        return None
    age, x = day_axes([d for d, _ in points], now=now)
    raw = np.array([v for _, v in points], dtype="float64")
    steps = find_steps(raw)  # the rule's defaults (detection/rules/ev_battery.py): the same cleaned series
    trend = fit_trend(age, x, remove_steps(raw, steps), steps_at=[i for i, _ in steps])
    if trend is None:
        return None
    return SohForecast(trend, points[-1][0], float(x[-1]), horizon_days)
