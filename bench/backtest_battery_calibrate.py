"""How wide the forecaster's interval must be: the horizon spread (``domain.soh_trend.HORIZON_SPREAD``) by split
conformal prediction over the cells' forecasts, and the coverage it gives on cells it was not chosen on.

Each forecast's score is the least spread whose interval holds its truth (found by bisection: a wider spread only
widens the interval). The spread is the 90 % conformal quantile of the scores, the ceil((n + 1) * 0.9)-th smallest
of n. Leave one cell out: the spread chosen on the other cells' forecasts is applied to the held-out cell's; the sum
over the cells is the coverage reported as held out. Forecasts of one cell are not independent (one cell's knee
decides several k), so the held-out figure, not the in-sample one, is the estimate.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from domain.soh_trend import cycle_crossing

COVERAGE = 0.9
MAX_SPREAD = 0.99  # the spread lies in [0, 1): a crossing at or before the last reading is no forecast
_PRECISION = 0.005


@dataclass(frozen=True, slots=True)
class Scored:
    """One forecast's cell and the least spread whose interval holds its truth (inf: none below MAX_SPREAD)."""

    cell: str
    score: float


@dataclass(frozen=True, slots=True)
class HeldOut:
    """The spread chosen without one cell, and how many of that cell's forecasts its interval holds."""

    cell: str
    spread: float | None  # None: too few forecasts on the other cells for the quantile
    held: int
    forecasts: int

    def as_json(self) -> dict[str, Any]:
        """Return the held-out figure as a JSON object."""
        return asdict(self)


def _holds(cycle: np.ndarray, soh: np.ndarray, *, truth: float | None, after: float, threshold: float,
           spread: float) -> bool:  # fmt: skip
    f = cycle_crossing(cycle, soh, threshold=threshold, spread=spread)
    if f is None or f.low is None:
        return False
    late = f.high if f.high is not None else math.inf
    return f.low <= truth <= late if truth is not None else late >= after


def score(
    cycle: np.ndarray, soh: np.ndarray, *, truth: float | None, after: float, threshold: float
) -> float:
    """Return the least spread whose interval holds the truth, rounded up to 0.01 (the interval at it holds the truth
    too), or inf when even MAX_SPREAD does not."""

    def holds(spread: float) -> bool:
        return _holds(cycle, soh, truth=truth, after=after, threshold=threshold, spread=spread)

    if holds(0.0):
        return 0.0
    if not holds(MAX_SPREAD):
        return math.inf
    lo, hi = 0.0, MAX_SPREAD
    while hi - lo > _PRECISION:
        mid = 0.5 * (lo + hi)
        lo, hi = (lo, mid) if holds(mid) else (mid, hi)
    return math.ceil(round(hi * 100, 6)) / 100


def conformal_spread(scores: list[float], *, coverage: float = COVERAGE) -> float | None:
    """Return the ceil((n + 1) * coverage)-th smallest score (None when n is too small to reach `coverage`)."""
    rank = math.ceil((len(scores) + 1) * coverage)
    if not scores or rank > len(scores):
        return None
    return sorted(scores)[rank - 1]


def leave_one_cell_out(scored: list[Scored]) -> list[HeldOut]:
    """Return, for each cell, the spread chosen on the others and how many of its forecasts it holds."""
    out = []
    for cell in sorted({s.cell for s in scored}):
        spread = conformal_spread([s.score for s in scored if s.cell != cell])
        mine = [s.score for s in scored if s.cell == cell]
        held = 0 if spread is None else sum(s <= spread for s in mine)
        out.append(HeldOut(cell, spread, held, len(mine)))
    return out
