"""Robust straight-line trends: the Theil–Sen estimator with Sen's (1968) confidence interval for the slope."""

from __future__ import annotations

import math
from dataclasses import dataclass
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
    _, counts = np.unique(values, return_counts=True)
    counts = counts[counts > 1].astype("float64")
    return float(np.sum(counts * (counts - 1) * (2 * counts + 5)))


def theil_sen(x: np.ndarray, y: np.ndarray, *, confidence: float = 0.9) -> LinearFit | None:
    """Return the Theil–Sen fit of y on x, or None when fewer than two distinct x values exist.

    The slope is the median of all pairwise slopes (breakdown point ~29 %: a few bad days cannot tilt it). Its
    interval picks order statistics of the sorted pairwise slopes around the median, using the variance of
    Kendall's S (Sen 1968, with the tie correction), the same method as ``scipy.stats.theilslopes``.
    """
    x = np.asarray(x, dtype="float64")
    y = np.asarray(y, dtype="float64")
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    n = len(x)
    if n < 2:
        return None
    i, j = np.triu_indices(n, k=1)
    dx = x[j] - x[i]
    keep = dx != 0
    if not keep.any():
        return None
    slopes = np.sort((y[j] - y[i])[keep] / dx[keep])
    slope = float(np.median(slopes))
    intercept = float(np.median(y - slope * x))
    count = len(slopes)
    variance = (n * (n - 1) * (2 * n + 5) - _tie_term(x) - _tie_term(y)) / 18.0
    spread = NormalDist().inv_cdf(0.5 + confidence / 2) * math.sqrt(max(variance, 0.0))
    low_idx = min(max(int(round((count - spread) / 2.0)) - 1, 0), count - 1)
    high_idx = max(min(int(round((count + spread) / 2.0)), count - 1), 0)
    residuals = y - (intercept + slope * x)
    sigma = MAD_TO_SIGMA * float(np.median(np.abs(residuals - np.median(residuals))))
    return LinearFit(
        slope=slope,
        intercept=intercept,
        slope_low=float(slopes[low_idx]),
        slope_high=float(slopes[high_idx]),
        n=n,
        residual_sigma=sigma,
    )
