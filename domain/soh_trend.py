"""The state-of-health trend of an EV traction battery and its projection to the end-of-life threshold.

The one SOH forecaster: the EV battery rule (``detection/rules/ev_battery.py``) decides from it whether and when
to alert, the owner's health summary and SOH chart (``api/views/soh_forecast.py``) draw it, and
``carecast evaluate-battery`` (``bench/backtest_battery.py``) scores it on real cells. Same readings, same threshold:
the chart's line crosses the threshold on the day the alert predicts.

Method. Daily SOH readings are reduced to weekly medians (bins of `bin_days` counted back from today, those with at
least `min_bin_readings` readings) and fitted with Theil–Sen, the median of all pairwise slopes, with Sen's
interval at `confidence`. Medians ignore a short dip and the "recovery" bump after a rest; weekly rather than daily
points because daily readings are not independent (a rest bump lasts days) and Sen's interval over them would be
too narrow. The trend starts from the current level, the median of the last `level_days` readings, and runs at
the fitted slope: ``days = (level - threshold) / -slope``, less the time since the level was observed (the forecast
is its mean with an exponential fade: "Combination" below). The band
combines the slope's interval with the level's standard error (the spread of the weekly medians around the fit):
the early end takes the steep slope from the low level, the late end the shallow slope from the high level.

Regeneration. A Li-ion cell recovers part of its capacity after a rest and then falls back (NASA's cells by up to
7.6 points in one cycle). An upward jump of more than `regeneration_min_pct` between consecutive readings is such a
recovery (the fleet's rest bump, ~0.6 points, stays below it; the rule undoes recalibration steps before). The
net fade above already contains the recoveries the history holds; the band says what the next ones may do: its late
end starts as high as the largest recovery seen (one as large may come before the crossing) and its early end also
takes the fall between recoveries (the median of the pairwise slopes within the stretches between them: the fade if
no recovery came again). Without a recovery the band is the one above.

Combination. The forecast is the mean of two differently biased ones: the trend above (a rate measured on weekly
medians, early when a fade slows down) and an exponential fade, SOH = exp(a + b * x) fitted by least squares to log
SOH over all readings (its relative rate makes it slow down as SOH falls: late when a fade accelerates). The mean is
taken in SOH, ``path(dx) = (level + slope * dx + exp(...)) / 2`` with dx days after the level was observed, so the
chart draws the curve whose crossing the rule dates. Equal weights, nothing fitted to the cells: the forecasting
literature's standard combination. When the exponential fade does not fall (or a reading is not positive), the trend
alone.

Spread. The band above is the data's (slope, level, recoveries); the error of extrapolating a fade is larger and grows
with the distance to the crossing. The band is therefore widened to at least the forecast's path run 1 / (1 - spread)
times faster and 1 / (1 + spread) times slower: a crossing `ahead` days after the level may come from
``ahead * (1 - spread)`` to ``ahead * (1 + spread)``.
`HORIZON_SPREAD` is chosen by split conformal prediction on the real cells (``bench/backtest_battery_calibrate.py``;
docs/detection.md gives the held-out coverage). The EV rule decides on the data's band and shows the widened one.

The same forecaster scores itself on real cells (``cycle_crossing``, ``carecast evaluate-battery``): a discharge
cycle is read as one day, so the weekly medians are medians of 7 cycles.

Time is in days from `now` (negative = past): a reading's ``x`` is its day's noon, its ``age`` the whole days
between its day and the UTC date of `now` (``day_axes``).
"""

from __future__ import annotations

import math
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
REGENERATION_MIN_PCT = 2.0
# How far the crossing may lie from the forecast, as a share of the distance to it: the split-conformal 90 % quantile
# of the share each forecast needed on the four NASA cells (bench.backtest_battery_calibrate, run by
# `carecast evaluate-battery`, which reports it and the leave-one-cell-out coverage).
HORIZON_SPREAD = 0.7
_DAY_NS = 86_400_000_000_000
_BISECTIONS = 40  # halvings of the bracket: a crossing a century out to within a second


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
    fall: float | None = None  # the fade between recoveries (None: no recovery seen)
    regeneration: float = 0.0  # the largest recovery seen, percentage points
    # The exponential fade SOH = exp(log_level + log_rate * dx) (dx: days after the level was observed) fitted by
    # least squares to log SOH; None: the forecast is the trend alone.
    log_level: float | None = None
    log_rate: float = 0.0
    spread: float = 0.0  # the crossing may lie this share of the distance to it earlier or later

    @property
    def falling(self) -> bool:
        """Return whether the forecast's path falls (the trend, and the exponential fade when combined)."""
        return self.fit.slope < 0 and (self.log_level is None or self.log_rate < 0)

    def path(self, dx: float) -> float:
        """Return the forecast SOH `dx` days after the level was observed: the mean of the trend's line and the
        exponential fade (the module doc, "Combination")."""
        line = self.level + self.fit.slope * dx
        if self.log_level is None:
            return line
        return 0.5 * (line + math.exp(self.log_level + self.log_rate * dx))

    def ahead(self, threshold: float) -> float | None:
        """Return the days after the level was observed until the path reaches `threshold` (None: not falling)."""
        if not self.falling:
            return None
        if self.log_level is None:
            return max(0.0, self.level - threshold) / -self.fit.slope
        if self.path(0.0) <= threshold:
            return 0.0
        lo, hi = 0.0, max(1.0, (self.level - threshold) / -self.fit.slope)  # the trend's line crosses first
        while self.path(hi) > threshold:  # the exponential fade lies higher: look further
            lo, hi = hi, 2.0 * hi
        for _ in range(_BISECTIONS):
            mid = 0.5 * (lo + hi)
            lo, hi = (mid, hi) if self.path(mid) > threshold else (lo, mid)
        return 0.5 * (lo + hi)

    @property
    def rate_low(self) -> float:
        """Return the steep end of the fade: Sen's, or the fall between recoveries when that is steeper."""
        return self.fit.slope_low if self.fall is None else min(self.fit.slope_low, self.fall)

    @property
    def level_se(self) -> float:
        """Return the level's standard error: the spread of the weekly medians around the fit (it is one)."""
        return self.fit.residual_sigma

    def at(self, x: float) -> tuple[float, float, float]:
        """Return (expected, low, high) SOH at `x` days from now (x >= -age_days): the projection and its band."""
        z = _z(self.confidence)
        dx = x + self.age_days
        low = self.level - z * self.level_se + self.rate_low * dx
        high = self.level + z * self.level_se + self.regeneration + self.fit.slope_high * dx
        if self.falling and dx > 0:  # the spread: the forecast's path run that share faster / slower
            low = min(low, self.path(dx / (1.0 - self.spread)))
            high = max(high, self.path(dx / (1.0 + self.spread)))
        return self.path(dx), low, high


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
    regeneration_min_pct: float = REGENERATION_MIN_PCT,
    steps_at: Sequence[int] = (),
    combine: bool = True,
    spread: float = HORIZON_SPREAD,
) -> SohTrend | None:
    """Return the trend of daily readings (oldest first, finite), or None when fewer than two weekly bins fit.

    `steps_at`: indexes of recalibration steps undone before (a step found a few days off leaves a short bump of
    its size): a jump within `bin_days` readings of one is not a recovery. `combine`: the forecast is the mean of
    the trend and an exponential fade (the module doc, "Combination"); `spread` in [0, 1)."""
    if not 0.0 <= spread < 1.0:
        raise ValueError(f"spread must lie in [0, 1), got {spread}")
    xb, yb = bin_medians(age, x, soh, width=bin_days, min_n=min_bin_readings)
    fit = theil_sen(xb, yb, confidence=confidence)
    if fit is None:
        return None
    recent = soh[-level_days:]
    level = float(np.median(recent))
    age_days = max(0.0, -float(np.median(x[-len(recent) :])))
    jumps = np.diff(soh)
    recovered = jumps > regeneration_min_pct
    for index in steps_at:
        recovered[max(0, index - bin_days) : index + bin_days] = False
    fall = _fall_between(x, soh, recovered) if recovered.any() else None
    regeneration = float(jumps[recovered].max()) if recovered.any() else 0.0
    log_level, log_rate = None, 0.0
    if combine and bool((soh > 0).all()):
        line = _least_squares(x, np.log(soh))
        if line is not None and line[0] < 0:  # a fade that does not fall is no partner: the trend alone
            log_rate, log_level = line[0], line[1] - line[0] * age_days
    return SohTrend(fit, level, age_days, confidence, fall, regeneration, log_level, log_rate, spread)


def _least_squares(x: np.ndarray, y: np.ndarray) -> tuple[float, float] | None:
    """Return (slope, value at x = 0) of the least-squares line, or None when x does not vary."""
    xm = float(x.mean())
    sxx = float(((x - xm) ** 2).sum())
    if sxx == 0.0:
        return None
    slope = float(((x - xm) * (y - y.mean())).sum()) / sxx
    return slope, float(y.mean()) - slope * xm


def _fall_between(x: np.ndarray, y: np.ndarray, recovered: np.ndarray) -> float | None:
    """Return the median of the pairwise slopes within the stretches between recoveries (None if all are single)."""
    stretch = np.r_[0, np.cumsum(recovered)]
    slopes = []
    for s in range(int(stretch[-1]) + 1):
        xs, ys = x[stretch == s], y[stretch == s]
        i, j = np.triu_indices(len(xs), k=1)
        ok = xs[j] != xs[i]
        slopes.append((ys[j][ok] - ys[i][ok]) / (xs[j][ok] - xs[i][ok]))
    pooled = np.concatenate(slopes)
    return float(np.median(pooled)) if len(pooled) else None


def project(
    trend: SohTrend, *, threshold: float, recalibrated: tuple[float, float] = (0.0, 0.0)
) -> Projection:
    """Return the days from now until `threshold` at the fitted slope, with the low/high ends of the band.

    `recalibrated` = (points up, points down) of level shifts undone before the fit: the level under the other
    calibration lies that much lower / higher, and the band's early / late end starts from there. The band also
    holds the recoveries (the module doc, "Regeneration").
    """
    fit = trend.fit
    ahead = trend.ahead(threshold)  # from when the level was observed
    if ahead is None:
        return Projection(None, None, None)
    z = _z(trend.confidence)
    margin = trend.level - threshold
    up, down = recalibrated
    days = max(0.0, ahead - trend.age_days)
    days_low = max(0.0, max(0.0, margin - z * trend.level_se - up) / -trend.rate_low - trend.age_days)
    days_low = min(days_low, max(0.0, ahead * (1.0 - trend.spread) - trend.age_days))
    if fit.slope_high >= 0:
        return Projection(days, min(days_low, days), None)
    late_margin = margin + z * trend.level_se + down + trend.regeneration
    days_high = max(late_margin / -fit.slope_high, ahead * (1.0 + trend.spread)) - trend.age_days
    return Projection(days, min(days_low, days), max(days_high, days))


@dataclass(frozen=True, slots=True)
class Crossing:
    """When readings taken once per charge cycle reach the threshold: the cycle and its band (None = never)."""

    cycle: float | None
    low: float | None
    high: float | None


def cycle_crossing(
    cycle: np.ndarray, soh: np.ndarray, *, threshold: float, spread: float = HORIZON_SPREAD
) -> Crossing | None:
    """Return the forecast crossing of SOH readings, one per charge cycle (ascending, finite), each read as a day
    (the rule's and the chart's forecaster, in cycles), or None when fewer than two weekly bins fit."""
    x = np.asarray(cycle, dtype="float64") - float(cycle[-1])
    trend = fit_trend(np.rint(-x).astype("int64"), x, np.asarray(soh, dtype="float64"), spread=spread)
    if trend is None:
        return None
    proj = project(trend, threshold=threshold)
    last = float(cycle[-1])
    return Crossing(*(None if d is None else last + d for d in (proj.days, proj.days_low, proj.days_high)))
