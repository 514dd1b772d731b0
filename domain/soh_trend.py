"""The state-of-health trend of an EV traction battery and its projection to the end-of-life threshold.

One fit for both readers: the EV battery rule (``detection/rules/ev_battery.py``) decides from it whether and when
to alert, the owner's health summary and SOH chart (``api/views/soh_forecast.py``) draw it. Same readings, same threshold:
the chart's line crosses the threshold on the day the alert predicts.

Method. Daily SOH readings are reduced to weekly medians (bins of `bin_days` counted back from today, those with at
least `min_bin_readings` readings) and fitted with Theil–Sen, the median of all pairwise slopes, with Sen's
interval at `confidence`. Medians ignore a short dip and the "recovery" bump after a rest; weekly rather than daily
points because daily readings are not independent (a rest bump lasts days) and Sen's interval over them would be
too narrow. The projection starts from the current level, the median of the last `level_days` readings, and runs at
the fitted slope: ``days = (level - threshold) / -slope``, less the time since the level was observed. The band
combines the slope's interval with the level's standard error (the spread of the weekly medians around the fit):
the early end takes the steep slope from the low level, the late end the shallow slope from the high level.

Time is in days from `now` (negative = past): a reading's ``x`` is its day's noon, its ``age`` the whole days
between its day and the UTC date of `now` (``day_axes``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from statistics import NormalDist

import numpy as np

from domain.trend import LinearFit, theil_sen

# A traction battery below this state of health (%) is at end of life, due for a check: the default of the one
# setting (core.settings.SohSettings) that both the rule and the chart read.
DEFAULT_THRESHOLD_PCT = 80.0
# The method's defaults (see the module docstring); the rule's parameters start from them.
LEVEL_DAYS = 7
BIN_DAYS = 7
MIN_BIN_READINGS = 3
CONFIDENCE = 0.9
_DAY_NS = 86_400_000_000_000


def day_axes(days: Sequence[date], *, now: datetime) -> tuple[np.ndarray, np.ndarray]:
    """Return (age, x) of daily readings: whole days before the UTC date of `now`, and days from `now` to the day's
    noon (the axes detection.groups gives the rules)."""
    day_ns = np.array(days, dtype="datetime64[D]").astype("datetime64[ns]").astype("int64")
    naive = now.astimezone(UTC).replace(tzinfo=None) if now.tzinfo is not None else now  # naive = UTC
    now_ns = int(np.datetime64(naive, "ns").astype("int64"))
    today_ns = now_ns // _DAY_NS * _DAY_NS
    return (today_ns - day_ns) // _DAY_NS, (day_ns + _DAY_NS // 2 - now_ns) / _DAY_NS


def bin_medians(
    age: np.ndarray, x: np.ndarray, y: np.ndarray, *, width: int, min_n: int
) -> tuple[np.ndarray, ...]:
    """Return (x, y) medians of consecutive `width`-day bins counted back from today (bins with >= `min_n`)."""
    b = age // width
    starts = np.flatnonzero(np.r_[True, b[1:] != b[:-1]])
    counts = np.diff(np.r_[starts, len(b)])
    rows = np.repeat(np.arange(len(starts)), counts)
    cols = np.arange(len(b)) - np.repeat(starts, counts)
    keep = np.flatnonzero(counts >= min_n)
    lo, hi = (counts[keep] - 1) // 2, counts[keep] // 2
    out = []
    for v in (x, y):
        grid = np.full((len(starts), max(width, int(counts.max()))), np.inf)
        grid[rows, cols] = v
        grid = np.sort(grid[keep], axis=1)  # the padding sorts last
        out.append(0.5 * (grid[np.arange(len(keep)), lo] + grid[np.arange(len(keep)), hi]))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class SohTrend:
    """The fitted fade (SOH % per day, x in days from now) and the current level it is projected from."""

    fit: LinearFit
    level: float  # median of the last `level_days` readings
    age_days: float  # how long before now the level was observed (a car that went quiet keeps ageing)
    confidence: float

    @property
    def level_se(self) -> float:
        """Return the level's standard error: the spread of the weekly medians around the fit (it is one)."""
        return self.fit.residual_sigma

    def at(self, x: float) -> tuple[float, float, float]:
        """Return (expected, low, high) SOH at `x` days from now (x >= -age_days): the projection and its band."""
        z = _z(self.confidence)
        dx = x + self.age_days
        return (
            self.level + self.fit.slope * dx,
            self.level - z * self.level_se + self.fit.slope_low * dx,
            self.level + z * self.level_se + self.fit.slope_high * dx,
        )


@dataclass(frozen=True, slots=True)
class Projection:
    """When the fitted fade reaches the threshold, in days from now (None = not falling)."""

    days: float | None
    days_low: float | None
    days_high: float | None


def _z(confidence: float) -> float:
    return NormalDist().inv_cdf(0.5 + confidence / 2)


def fit_trend(
    age: np.ndarray,
    x: np.ndarray,
    soh: np.ndarray,
    *,
    level_days: int = LEVEL_DAYS,
    bin_days: int = BIN_DAYS,
    min_bin_readings: int = MIN_BIN_READINGS,
    confidence: float = CONFIDENCE,
) -> SohTrend | None:
    """Return the trend of daily readings (oldest first, finite), or None when fewer than two weekly bins fit."""
    xb, yb = bin_medians(age, x, soh, width=bin_days, min_n=min_bin_readings)
    fit = theil_sen(xb, yb, confidence=confidence)
    if fit is None:
        return None
    recent = soh[-level_days:]
    level = float(np.median(recent))
    age_days = max(0.0, -float(np.median(x[-len(recent) :])))
    return SohTrend(fit=fit, level=level, age_days=age_days, confidence=confidence)


def project(
    trend: SohTrend, *, threshold: float, recalibrated: tuple[float, float] = (0.0, 0.0)
) -> Projection:
    """Return the days from now until `threshold` at the fitted slope, with the low/high ends of the band.

    `recalibrated` = (points up, points down) of level shifts undone before the fit: the level under the other
    calibration lies that much lower / higher, and the band's early / late end starts from there.
    """
    fit = trend.fit
    if fit.slope >= 0:
        return Projection(None, None, None)
    z = _z(trend.confidence)
    margin = trend.level - threshold
    up, down = recalibrated
    days = max(0.0, margin / -fit.slope - trend.age_days)
    days_low = max(0.0, max(0.0, margin - z * trend.level_se - up) / -fit.slope_low - trend.age_days)
    late_margin = margin + z * trend.level_se + down
    days_high = max(0.0, late_margin / -fit.slope_high - trend.age_days) if fit.slope_high < 0 else None
    return Projection(days, min(days_low, days), max(days_high, days) if days_high is not None else None)
