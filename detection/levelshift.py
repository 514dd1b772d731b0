"""Level shifts in a daily series: persistent steps such as a BMS firmware recalibration of the reported SOH.

A step at index i is the difference between the medians of the `window` readings after and before it, less the
typical week-to-week difference (the fade itself). The largest
step is taken when it exceeds both `min_step` and `z` times the standard error of that difference (noise from the
first differences' MAD); the series is split there and each side searched again, up to `max_steps`. Medians ignore
the short upward "recovery" bump after a rest and single bad days, and a slow fade moves a 7-day median by far less
than a recalibration step, so neither is taken for a shift.
"""

from __future__ import annotations

import math

import numpy as np

from detection.trend import MAD_TO_SIGMA


def noise_sigma(y: np.ndarray) -> float:
    """Return the day-to-day noise of `y` (MAD of first differences, scaled; 0 when too short)."""
    if len(y) < 3:
        return 0.0
    d = np.diff(y)
    return MAD_TO_SIGMA * float(np.median(np.abs(d - np.median(d)))) / math.sqrt(2.0)


def _best(y: np.ndarray, lo: int, hi: int, window: int) -> tuple[int, float] | None:
    if hi - lo < 2 * window:
        return None
    medians = np.median(np.lib.stride_tricks.sliding_window_view(y[lo:hi], window), axis=1)
    # medians[k] covers y[lo + k : lo + k + window]; a step at i compares medians[i - lo] with medians[i - lo - window]
    steps = medians[window:] - medians[:-window]
    # The median of all week-to-week differences is the fade over a week; a step stands out from it.
    steps = steps - np.median(steps)
    k = int(np.argmax(np.abs(steps)))
    return lo + k + window, float(steps[k])


def find_steps(
    y: np.ndarray, *, window: int = 7, min_step: float = 0.8, z: float = 5.0, max_steps: int = 3
) -> list[tuple[int, float]]:
    """Return [(index where the new level starts, step size)] sorted by index."""
    y = np.asarray(y, dtype="float64")
    threshold = max(min_step, z * 1.2533 * noise_sigma(y) * math.sqrt(2.0 / window))
    steps: list[tuple[int, float]] = []
    spans = [(0, len(y))]
    while spans and len(steps) < max_steps:
        lo, hi = spans.pop()
        best = _best(y, lo, hi, window)
        if best is None or abs(best[1]) < threshold:
            continue
        steps.append(best)
        spans += [(lo, best[0]), (best[0], hi)]
    return sorted(steps)


def remove_steps(y: np.ndarray, steps: list[tuple[int, float]]) -> np.ndarray:
    """Return `y` with every step undone, aligned to the latest level (the one the car reports now)."""
    out = np.asarray(y, dtype="float64").copy()
    for index, step in steps:
        out[:index] += step
    return out
