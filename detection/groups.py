"""Per-vehicle numpy views of the daily rollup frame: one sort for the whole fleet, then plain arrays per car.

Rules judge every vehicle on every pass; slicing a pandas frame per car costs far more than the arithmetic. This
sorts the rows known at `now` once by (vehicle, day), converts the wanted columns to numpy once, and yields each
vehicle's slice as arrays. ``age`` is whole days (day labels) before the UTC date of `now` (0 = today, the same cut as
``detection.frame.last_days``) and ``x`` the days from `now` to the day's midpoint (``detection.frame.days_before``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from detection.frame import known_until, today, utc_naive

_DAY_NS = 86_400_000_000_000


@dataclass(frozen=True, slots=True)
class Car:
    """One vehicle's rows known at `now`, sorted by day, as arrays (views into the fleet-wide arrays)."""

    vehicle_id: int
    day: np.ndarray  # datetime64[ns], midnight UTC
    age: np.ndarray  # int64, whole days before today
    x: np.ndarray  # float64, days from now to the day's midpoint (negative = past)
    values: dict[str, np.ndarray]
    source: pd.DataFrame  # the sorted fleet frame; rows() slices it for evidence
    start: int
    stop: int

    def __getitem__(self, column: str) -> np.ndarray:
        return self.values[column]

    def rows(self) -> pd.DataFrame:
        """Return this vehicle's rows as a DataFrame (for the few vehicles that get a flag)."""
        return self.source.iloc[self.start : self.stop]


def cars(frame: pd.DataFrame, *, now: datetime, columns: Iterable[str]) -> Iterator[Car]:
    """Yield every vehicle of `frame` with rows up to `now`, in vehicle order."""
    frame = known_until(frame, now)
    if frame.empty:
        return
    vid = frame["vehicle_id"].to_numpy(dtype="int64")
    day_ns = frame["day"].to_numpy(dtype="datetime64[ns]").astype("int64")
    order = np.lexsort((day_ns, vid))
    if not np.all(order[1:] > order[:-1]):
        frame, vid, day_ns = frame.iloc[order], vid[order], day_ns[order]
    values = {c: frame[c].to_numpy() for c in columns}
    days = day_ns.view("datetime64[ns]")
    today_ns = pd.Timestamp(today(now)).value
    age = (today_ns - day_ns) // _DAY_NS
    x = (day_ns + _DAY_NS // 2 - utc_naive(now).value) / _DAY_NS
    bounds = np.flatnonzero(np.diff(vid)) + 1
    starts, stops = np.r_[0, bounds], np.r_[bounds, len(vid)]
    for a, b in zip(starts.tolist(), stops.tolist(), strict=True):
        yield Car(
            int(vid[a]), days[a:b], age[a:b], x[a:b], {c: v[a:b] for c, v in values.items()}, frame, a, b
        )
