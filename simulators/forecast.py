"""The simulator's own weather forecast: its climate's future days plus an error that grows with the lead time.

A real forecast is good for tomorrow and close to the season's normal ten days out. The error of a forecast of
the daily mean temperature is drawn here with a standard deviation of 1.5 °C one day ahead growing linearly to
4 °C ten days ahead: the order of the 2 m temperature errors of global forecast models as the ECMWF verifies them
(T. Haiden et al., "Evaluation of ECMWF forecasts, including the 2021 upgrade", ECMWF Technical Memorandum 884,
2021: root-mean-square error of 2 m temperature about 1.5–2 K at day 1 rising to about 3.5–4 K at day 10 over
Europe and the extra-tropics). A forecast's errors at successive lead times are correlated (a forecast that is
too warm on day 3 is likely too warm on day 4): an AR(1) across the lead days with correlation 0.8. The error
shifts the day's minimum and maximum alike; forecasts issued on different days err independently.

Deterministic per (seed, region, issue day), like the climate itself, so a backfill and a test see the same
forecast. The forecast knows the climate's cold snaps only as well as any other day: it is the truth plus the
error, never the truth.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from domain.forecast import MAX_HORIZON_DAYS, DayForecast, RegionForecast
from simulators.climate import REGIONS, Climate, _gauss

SD_DAY1_C = 1.5
SD_DAY10_C = 4.0
LEAD_CORRELATION = 0.8


def error_sd(lead_days: int) -> float:
    """Return the standard deviation (°C) of the forecast error `lead_days` ahead (1.5 at day 1, 4.0 at day 10)."""
    return SD_DAY1_C + (SD_DAY10_C - SD_DAY1_C) * (lead_days - 1) / 9.0


@dataclass(frozen=True, slots=True)
class SimulatedForecast:
    """``domain.forecast.Forecast`` drawn from a simulation run's climate."""

    climate: Climate

    def errors(self, region: str, *, issued: date, horizon_days: int) -> list[float]:
        """Return the forecast errors (°C) of the days 1 .. `horizon_days` after `issued`."""
        out, z = [], 0.0
        keep = math.sqrt(1.0 - LEAD_CORRELATION**2)
        for lead in range(1, horizon_days + 1):
            draw = _gauss(self.climate.seed, region, issued.toordinal(), lead, "forecast")
            z = draw if lead == 1 else LEAD_CORRELATION * z + keep * draw
            out.append(error_sd(lead) * z)
        return out

    def daily(self, region: str, *, issued: date, horizon_days: int) -> RegionForecast:
        """Return `region`'s forecast issued on `issued` for the next `horizon_days` days."""
        days = []
        for lead, err in enumerate(self.errors(region, issued=issued, horizon_days=horizon_days), start=1):
            day = issued + timedelta(days=lead)
            w = self.climate.weather(region, day)
            days.append(DayForecast(day, round(w.min_c + err, 1), round(w.max_c + err, 1)))
        return RegionForecast(region, issued, tuple(days))


def issued_forecasts(
    climate: Climate,
    *,
    first: date,
    days: int,
    regions: Iterable[str] = REGIONS,
    horizon_days: int = MAX_HORIZON_DAYS,
) -> Iterator[RegionForecast]:
    """Yield every region's forecast issued on each of the `days` days from `first` (the day before included, so the
    first day's pass has one)."""
    source = SimulatedForecast(climate)
    for offset in range(-1, days):
        issued = first + timedelta(days=offset)
        for region in regions:
            yield source.daily(region, issued=issued, horizon_days=horizon_days)
