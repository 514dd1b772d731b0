"""End of life of a traction battery from its SOH history per charge cycle: when will SOH first drop below a threshold?

The recovery-aware forecaster scored on real cells by ``bench.backtest_battery`` (NASA Ames). Neither the EV battery
rule nor the owner's chart uses it: they share the weekly-median trend of ``domain.soh_trend``.

Li-ion capacity does not fall in a straight line: after a rest it recovers by a few percent ("regeneration"), then
falls back fast. Fitting a line through everything tilts it with the early, flat part of life; fitting only the
recent fall ignores that recoveries keep coming and forecasts too early. This forecaster separates the two:

1. Segments: the history is split at every upward jump larger than `jump_pct` between consecutive readings.
2. Fall rate: the median of the pairwise slopes *within* segments (Theil–Sen pooled over segments) over the last
   `window` readings — the current rate of decline between recoveries.
3. Recovery rate: for every upward jump so far, how far the level `settle` readings later still lies above the
   pre-jump level carried on at the fall rate (the part of the recovery that stayed; a bump that fades back gives
   nothing), summed and divided by the span observed — expected to go on at that rate.
4. The effective rate is their sum; from the current level (median of the last `level_n` readings) the crossing is
   ``level - threshold`` over that rate. The interval takes the quartiles of the within-segment slopes and the
   recovery rate at zero (early end: no recovery kept) and one and a half times its estimate (late end) (None at
   the top when the slow end never crosses).
5. The net long-run fall: Theil–Sen through all readings, recoveries included, projected from the same level. It
   has the opposite bias: on held-out cells (B0007, B0018) steps 1–4 forecast too early (they keep too little of
   the recoveries), the net fall too late where early life was flat. The forecast is the plain average of the two
   times to the threshold (equal weights: with four cells there is nothing to fit a weight on), and the interval
   is the union of both. The net fall's interval comes from Sen's rank interval over one median per recovery
   cycle (blocks as long as the median spacing of the recoveries): readings within a cycle move together, and
   Sen's interval over them would be too narrow (the fleet rule uses weekly medians for the same reason).

A reading already below the threshold is the end of life itself (the definition is the first reading below), so
that reading is returned with no interval around it.

Inputs are per reading (a discharge cycle, or a day of driving); outputs are in the same unit.

Known limit: the forecast extrapolates rates measured in the past, so it cannot see a cell's fade slow down. On
NASA B0006 at k = 60 (truth 109) every rate measured on cycles 1..60 (segment fall plus recovery, Theil–Sen over
all readings or the last 30, least squares, the pre-recovery troughs), run from the current level, crosses 70 %
by cycle 101; the later crossing follows a slower fall and the largest recovery in the file (+7.6 % at cycle 90).
The straight line lands at 103 only because its fitted value at cycle 60 lies 0.6 % above the readings.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from domain.trend import theil_sen


@dataclass(frozen=True, slots=True)
class EolForecast:
    """The predicted crossing (x units), its interval, and the rates it came from."""

    eol: float | None
    low: float | None
    high: float | None
    fall_per_x: float
    recovery_per_x: float
    level: float


def _within_segment_slopes(x: np.ndarray, y: np.ndarray, jump: float) -> np.ndarray:
    segment = np.r_[0, np.cumsum(np.diff(y) > jump)]
    slopes = []
    for s in np.unique(segment):
        m = segment == s
        xs, ys = x[m], y[m]
        i, j = np.triu_indices(len(xs), k=1)
        ok = xs[j] != xs[i]
        if ok.any():
            slopes.append((ys[j][ok] - ys[i][ok]) / (xs[j][ok] - xs[i][ok]))
    return np.concatenate(slopes) if slopes else np.array([])


def _net_recovery(x: np.ndarray, y: np.ndarray, *, fall: float, jump: float, settle: int) -> float:
    """Return the capacity the recoveries gave back for good: for each upward jump, how far the level `settle`
    readings later lies above the pre-jump level carried on at the fall rate (a transient bump gives nothing)."""
    total = 0.0
    for i in (np.flatnonzero(np.diff(y) > jump) + 1).tolist():
        j = min(len(y) - 1, i + settle)
        if j - i < 2:
            continue
        expected = y[i - 1] + fall * (x[j] - x[i - 1])
        total += max(0.0, float(np.median(y[max(i, j - 1) : j + 2])) - expected)
    return total


def forecast_eol(
    x: np.ndarray,
    y: np.ndarray,
    *,
    threshold: float,
    window: int = 30,
    jump_pct: float = 1.0,
    level_n: int = 5,
    settle: int = 2,
) -> EolForecast | None:
    """Return the forecast crossing of `threshold` from readings (x ascending), or None with fewer than 10."""
    x, y = np.asarray(x, dtype="float64"), np.asarray(y, dtype="float64")
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    if len(x) < 10 or x[-1] <= x[0]:
        return None
    recent = x > x[-1] - window
    slopes = _within_segment_slopes(x[recent], y[recent], jump_pct)
    if len(slopes) == 0:
        return None
    fall = float(np.median(slopes))
    recovery = _net_recovery(x, y, fall=fall, jump=jump_pct, settle=settle) / float(x[-1] - x[0])
    steep, shallow = (float(q) for q in np.quantile(slopes, [0.25, 0.75]))
    level = float(np.median(y[-level_n:]))
    observed = first_below(x, y, threshold=threshold)
    if observed is not None:
        return EolForecast(observed, observed, observed, fall, recovery, level)

    def cross(rate: float) -> float | None:
        if level <= threshold:
            return float(x[-1])
        return float(x[-1]) + (level - threshold) / -rate if rate < 0 else None

    eol, low, high = cross(fall + recovery), cross(steep), cross(shallow + 1.5 * recovery)
    net = _net_fall(x, y, jump=jump_pct)
    t_net, t_early, t_late = (None, None, None) if net is None else (cross(r) for r in net)
    if eol is not None and t_net is not None:
        eol = 0.5 * (eol + t_net)
        low = min((v for v in (low, t_early) if v is not None), default=None)
        high = None if high is None or t_late is None else max(high, t_late)
    if eol is None:
        return EolForecast(None, None, None, fall, recovery, level)
    low = eol if low is None else min(low, eol)
    high = None if high is None else max(high, eol)
    return EolForecast(eol, low, high, fall, recovery, level)


def _net_fall(x: np.ndarray, y: np.ndarray, *, jump: float) -> tuple[float, float, float] | None:
    """Return the net long-run slope (Theil–Sen, all readings) and its steep/shallow ends from block medians."""
    fit = theil_sen(x, y)
    starts = np.flatnonzero(np.diff(y) > jump) + 1
    width = int(np.median(np.diff(starts))) if len(starts) >= 3 else 1
    width = max(1, min(width, len(x) // 5))
    n = len(x) // width * width  # whole blocks, counted back from the latest reading
    xb = np.median(x[len(x) - n :].reshape(-1, width), axis=1)
    yb = np.median(y[len(y) - n :].reshape(-1, width), axis=1)
    blocks = theil_sen(xb, yb)
    if fit is None or blocks is None:
        return None
    return fit.slope, min(fit.slope, blocks.slope_low), max(fit.slope, blocks.slope_high)


def straight_line_eol(x: np.ndarray, y: np.ndarray, *, threshold: float) -> float | None:
    """Return where a least-squares line through all readings crosses `threshold` (the reference baseline)."""
    slope, intercept = np.polyfit(np.asarray(x, dtype="float64"), np.asarray(y, dtype="float64"), 1)
    return (threshold - intercept) / slope if slope < 0 else None


def first_below(x: np.ndarray, y: np.ndarray, *, threshold: float) -> float | None:
    """Return the first x whose reading is below `threshold` (the true end of life), or None."""
    below = np.flatnonzero(np.asarray(y) < threshold)
    return float(np.asarray(x)[below[0]]) if len(below) else None
