"""Level shifts in a daily series: persistent steps such as a BMS firmware recalibration of the reported SOH.

The EV battery rule and the owner's SOH chart both undo them before the trend (``domain.soh_trend``), so both
forecast from the same cleaned series.

A step at index i is the difference between the medians of the `window` readings after and before it, less the
typical week-to-week difference (the fade itself). The largest
step is taken when it exceeds both `min_step` and `z` times the standard error of that difference (noise from the
first differences' MAD); the series is split there and each side searched again, up to `max_steps`. Medians ignore
the short upward "recovery" bump after a rest and single bad days, and a slow fade moves a 7-day median by far less
than a recalibration step, so neither is taken for a shift.

A step in the first week of the history has fewer than `window` readings before it; it is looked for separately
with what there is (at least `edge` readings), against a threshold scaled to that shorter median. Unfound, such a
step reads as weeks of steep fade when the history is short.
"""

from __future__ import annotations

import math

import numpy as np

from domain.trend import MAD_TO_SIGMA

# A step smaller than this (percentage points) is not taken for a recalibration: the EV rule's and the chart's default.
MIN_STEP_PCT = 0.8


def noise_sigma(y: np.ndarray) -> float:
    """Return the day-to-day noise of `y` (MAD of first differences, scaled; 0 when too short)."""
    if len(y) < 3:
        return 0.0
    d = np.diff(y)
    return MAD_TO_SIGMA * float(np.median(np.abs(d - np.median(d)))) / math.sqrt(2.0)


def _best(y: np.ndarray, lo: int, hi: int, window: int) -> tuple[int, float] | None:
    if hi - lo < 2 * window:
        return None
    windows = np.lib.stride_tricks.sliding_window_view(y[lo:hi], window)
    if window % 2:  # the middle order statistic, without np.median's extra work (the same numbers)
        medians = np.partition(windows, window // 2, axis=1)[:, window // 2]
    else:
        medians = np.median(windows, axis=1)
    # medians[k] covers y[lo + k : lo + k + window]; a step at i compares medians[i - lo] with medians[i - lo - window]
    steps = medians[window:] - medians[:-window]
    # The median of all week-to-week differences is the fade over a week; a step stands out from it.
    steps = steps - np.median(steps)
    k = int(np.argmax(np.abs(steps)))
    return lo + k + window, float(steps[k])


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else 0.5 * (ordered[mid - 1] + ordered[mid])


def _head(
    y: np.ndarray, *, window: int, edge: int, sigma: float, min_step: float, z: float
) -> tuple[int, float] | None:
    """Return the largest step within the first `window` readings (>= `edge` before it), or None below threshold."""
    head = y[: 2 * window].tolist()  # a few short medians: plain Python beats numpy's per-call cost here
    if max(head, default=0.0) - min(head, default=0.0) < min_step:
        return None  # medians lie within the readings' range, so no step can reach `min_step`
    best = None
    for i in range(edge, min(window, len(head) - window + 1)):
        step = _median(head[i : i + window]) - _median(head[:i])
        threshold = max(min_step, z * 1.2533 * sigma * math.sqrt(1.0 / i + 1.0 / window))
        if abs(step) >= threshold and (best is None or abs(step) > abs(best[1])):
            best = (i, step)
    return best


def find_steps(
    y: np.ndarray,
    *,
    window: int = 7,
    min_step: float = MIN_STEP_PCT,
    z: float = 5.0,
    max_steps: int = 3,
    edge: int = 3,
) -> list[tuple[int, float]]:
    """Return [(index where the new level starts, step size)] sorted by index."""
    y = np.asarray(y, dtype="float64")
    sigma = noise_sigma(y)
    threshold = max(min_step, z * 1.2533 * sigma * math.sqrt(2.0 / window))
    steps: list[tuple[int, float]] = []
    spans = [(0, len(y))]
    while spans and len(steps) < max_steps:
        lo, hi = spans.pop()
        best = _best(y, lo, hi, window)
        if best is None or abs(best[1]) < threshold:
            continue
        steps.append(best)
        spans += [(lo, best[0]), (best[0], hi)]
    head = None
    if len(steps) < max_steps and all(i >= 2 * window for i, _ in steps):
        head = _head(y, window=window, edge=edge, sigma=sigma, min_step=min_step, z=z)
    return sorted(steps + ([head] if head else []))


def remove_steps(y: np.ndarray, steps: list[tuple[int, float]]) -> np.ndarray:
    """Return `y` with every step undone, aligned to the latest level (the one the car reports now)."""
    out = np.asarray(y, dtype="float64").copy()
    for index, step in steps:
        out[:index] += step
    return out
