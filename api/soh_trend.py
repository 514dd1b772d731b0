"""State-of-health trend of an EV traction battery: a least-squares line and its forecast band (pure)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

# Fewer daily values than this, or a shorter span, give no forecast: the daily noise (±0.3 %) would dominate.
MIN_POINTS = 14
MIN_SPAN_DAYS = 21
# Band width in standard errors of the fitted value (about a 95 % interval).
_Z = 1.96


@dataclass(frozen=True, slots=True)
class SohForecast:
    """The fitted line and the forecast `horizon_days` after the last reading, with its band."""

    slope_per_year: float
    last_day: date
    fitted_last: float
    horizon_days: int
    forecast: float
    low: float
    high: float

    def at(self, days_after_last: float) -> tuple[float, float, float]:
        """Return (fit, low, high) a number of days after the last reading; the band widens linearly."""
        fit = self.fitted_last + self.slope_per_year * days_after_last / 365.0
        half = (self.forecast - self.low) * days_after_last / self.horizon_days if self.horizon_days else 0.0
        return fit, fit - half, fit + half


def fit_soh(points: list[tuple[date, float]], *, horizon_days: int = 365) -> SohForecast | None:
    """Return the trend through daily (day, SOH %) values and its forecast, or None when there is too little."""
    if len(points) < MIN_POINTS:
        return None
    first = points[0][0]
    xs = [(d - first).days for d, _ in points]
    ys = [v for _, v in points]
    if xs[-1] - xs[0] < MIN_SPAN_DAYS:
        return None
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx
    intercept = my - slope * mx
    residual = sum((y - (intercept + slope * x)) ** 2 for x, y in zip(xs, ys, strict=True))
    sigma = math.sqrt(residual / (n - 2)) if n > 2 else 0.0
    x_future = xs[-1] + horizon_days
    forecast = intercept + slope * x_future
    # Standard error of the fitted mean at x_future (the line's uncertainty, not one day's noise).
    se = sigma * math.sqrt(1.0 / n + (x_future - mx) ** 2 / sxx)
    return SohForecast(
        slope_per_year=slope * 365.0,
        last_day=points[-1][0],
        fitted_last=intercept + slope * xs[-1],
        horizon_days=horizon_days,
        forecast=forecast,
        low=forecast - _Z * se,
        high=forecast + _Z * se,
    )
