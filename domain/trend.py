"""Robust straight-line trends: the Theil–Sen estimator with Sen's (1968) confidence interval for the slope.

Pure numpy: the detection rules fit their fades with it, and so does the SOH trend (``domain.soh_trend``) that the
EV battery rule and the owner's chart share.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from statistics import NormalDist

import numpy as np

# Scale factor turning a median absolute deviation into a standard deviation for normal noise.
MAD_TO_SIGMA = 1.4826


@dataclass(frozen=True, slots=True)
class LinearFit:
    """y ≈ intercept + slope * x, with a confidence interval for the slope and a robust residual spread."""

    slope: float
    intercept: float
    slope_low: float
    slope_high: float
    n: int
    residual_sigma: float

    def at(self, x: float) -> float:
        """Return the fitted value at `x`."""
        return self.intercept + self.slope * x


def _tie_term(values: np.ndarray) -> float:
    v = np.sort(values)
    edges = np.flatnonzero(np.r_[True, v[1:] != v[:-1], True])
    counts = np.diff(edges)
    counts = counts[counts > 1].astype("float64")
    return float(np.sum(counts * (counts - 1) * (2 * counts + 5)))


def _median(values: np.ndarray) -> float:
    """Return the median of a non-empty array (np.median without its overhead)."""
    n = len(values)
    half = n // 2
    if n % 2:
        return float(np.partition(values, half)[half])
    part = np.partition(values, (half - 1, half))
    return float(0.5 * (part[half - 1] + part[half]))


def median(values: np.ndarray) -> float:
    """Return the median of a non-empty array: np.median's value without its overhead (rules take thousands of
    medians of a few values per pass)."""
    return _median(np.asarray(values, dtype="float64"))


@lru_cache(maxsize=400)
def _pairs(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Return the index pairs (i < j) of n points, cached: rules fit many series of the same few lengths."""
    i, j = np.triu_indices(n, k=1)
    return i.astype("int32"), j.astype("int32")


def _pairwise_slopes(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Return (x, y) without non-finite points and the slopes of every pair with distinct x; None when no pair has."""
    x = np.asarray(x, dtype="float64")
    y = np.asarray(y, dtype="float64")
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    if len(x) < 2:
        return None
    i, j = _pairs(len(x))
    dx = x[j] - x[i]
    dy = y[j] - y[i]
    if not dx.all():
        keep = dx != 0
        if not keep.any():
            return None
        dx, dy = dx[keep], dy[keep]
    return x, y, dy / dx


def theil_sen_slope(x: np.ndarray, y: np.ndarray) -> float | None:
    """Return the Theil–Sen slope alone, exactly ``theil_sen(x, y).slope`` (None where that is None).

    For screening many series where only the few that matter need the interval, intercept and spread: it skips the
    tie corrections and the residual medians, about half of a full fit's cost."""
    points = _pairwise_slopes(x, y)
    return None if points is None else _median(points[2])


def theil_sen(x: np.ndarray, y: np.ndarray, *, confidence: float = 0.9) -> LinearFit | None:
    """Return the Theil–Sen fit of y on x, or None when fewer than two distinct x values exist.

    The slope is the median of all pairwise slopes (breakdown point ~29 %: a few bad days cannot tilt it). Its
    interval picks order statistics of the sorted pairwise slopes around the median, using the variance of
    Kendall's S (Sen 1968, with the tie correction), the same method as ``scipy.stats.theilslopes``.
    """
    points = _pairwise_slopes(x, y)
    if points is None:
        return None
    x, y, slopes = points
    n, count = len(x), len(slopes)
    variance = (n * (n - 1) * (2 * n + 5) - _tie_term(x) - _tie_term(y)) / 18.0
    spread = NormalDist().inv_cdf(0.5 + confidence / 2) * math.sqrt(max(variance, 0.0))
    low_idx = min(max(int(round((count - spread) / 2.0)) - 1, 0), count - 1)
    high_idx = max(min(int(round((count + spread) / 2.0)), count - 1), 0)
    # Only a few order statistics are needed: partition instead of sorting all n(n-1)/2 slopes.
    mid = (count - 1) // 2, count // 2
    ranked = np.partition(slopes, sorted({low_idx, high_idx, *mid}))
    slope = float(0.5 * (ranked[mid[0]] + ranked[mid[1]]))
    intercept = _median(y - slope * x)
    residuals = y - (intercept + slope * x)
    sigma = MAD_TO_SIGMA * _median(np.abs(residuals - _median(residuals)))
    return LinearFit(
        slope=slope,
        intercept=intercept,
        slope_low=float(ranked[low_idx]),
        slope_high=float(ranked[high_idx]),
        n=n,
        residual_sigma=sigma,
    )
