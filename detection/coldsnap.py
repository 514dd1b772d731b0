"""Is a cold snap coming for this car? A short look ahead from the car's own thermometer.

Detection has no weather service; the car's daily minimum ambient temperature (the morning start) over the last
`window_days` is fitted with Theil–Sen and carried `ahead_days` forward. A snap is coming when that projection falls
below `cold_c`, or `drop_c` below the window's mean — a battery that starts fine at 0 °C may not at -15 °C.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from detection.frame import days_before, last_days, num
from detection.trend import theil_sen
from domain.evidence import ColdOutlook


@dataclass(frozen=True, slots=True)
class Outlook:
    """The projected minimum temperature `ahead_days` from now and whether it makes a cold snap."""

    projected_min_c: float
    recent_mean_c: float
    coming: bool

    def evidence(self) -> ColdOutlook:
        """Return the outlook as evidence."""
        return ColdOutlook(projected_min_c=num(self.projected_min_c, 1), recent_mean_min_c=num(self.recent_mean_c, 1),
                           cold_snap_coming=self.coming, method="own_air_temp_min_trend")  # fmt: skip


def outlook(
    rows: pd.DataFrame,
    *,
    now: datetime,
    window_days: int = 7,
    ahead_days: float = 3.0,
    cold_c: float = -10.0,
    drop_c: float = 6.0,
) -> Outlook | None:
    """Return the cold outlook of one vehicle's rows, or None with fewer than 4 days of temperatures."""
    days = last_days(rows, now, window_days)
    days = days[days["air_temp_min"].notna()]
    if len(days) < 4:
        return None
    fit = theil_sen(days_before(days["day"], now), days["air_temp_min"].to_numpy())
    if fit is None:
        return None
    projected = fit.at(ahead_days)
    mean = float(days["air_temp_min"].mean())
    coming = fit.slope < 0 and (projected < cold_c or projected < mean - drop_c)
    return Outlook(projected, mean, coming)
