"""The simulator's own weather forecast: its climate's future days plus an error that grows with the lead time.

A real forecast is good for tomorrow and close to the season's normal ten days out. The error of a forecast of
the daily mean temperature is drawn here with a standard deviation of 1.5 °C one day ahead growing linearly to
4 °C ten days ahead (``domain.forecast.error_sd``, which the rules read too, as a provider's published
verification): the order of the 2 m temperature errors of global forecast models as the ECMWF verifies them
(T. Haiden et al., "Evaluation of ECMWF forecasts, including the 2021 upgrade", ECMWF Technical Memorandum 884,
2021: root-mean-square error of 2 m temperature about 1.5–2 K at day 1 rising to about 3.5–4 K at day 10 over
Europe and the extra-tropics). The error shifts the day's minimum and maximum alike.

Successive forecasts of the same day are updates of one another, not independent draws: today's forecast for
Friday is yesterday's plus what was learned overnight, so the two err alike (forecast "jumpiness" is small next to
the error: E. Zsótér, R. Buizza and D. Richardson, "'Jumpiness' of the ECMWF and Met Office EPS control and
ensemble-mean forecasts", Monthly Weather Review 137, 3823–3836, 2009; the ECMWF Forecast User Guide's section on
jumpiness). The error is drawn as such an update (an efficient forecast, whose revisions are uncorrelated with its
later error: W. D. Nordhaus, "Forecasting efficiency: concepts and applications", Review of Economics and
Statistics 69, 667–674, 1987): the error of a day forecast `h` days ahead is the sum of `h` independent increments,
the k-th with variance error_sd(k)² − error_sd(k − 1)², and a forecast one day older holds one more of them. So
two forecasts of one day issued a day apart err with correlation error_sd(h) / error_sd(h + 1) (0.84 at one day,
0.93 at nine), and "yesterday's forecast saw it too" confirms much less than two independent forecasts would (the
first version drew the issue days independently). Each increment is correlated between neighbouring days
(AR(1) over the forecast days, 0.8): a forecast too warm on day 3 is likely too warm on day 4 (one forecast's
errors on successive days correlate by 0.8 × error_sd(h) / error_sd(h + 1), 0.67–0.74).

Deterministic per (seed, region, issue day), like the climate itself, so a backfill and a test see the same
forecast. The forecast knows the climate's cold snaps only as well as any other day: it is the truth plus the
error, never the truth.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from domain.forecast import LEAD_CORRELATION, MAX_HORIZON_DAYS, DayForecast, RegionForecast, error_sd
from simulators.climate import REGIONS, Climate, _gauss

__all__ = ["SimulatedForecast", "error_sd", "issued_forecasts"]
# the AR(1) of an increment over the forecast days is drawn as its moving sum over this many earlier days (weight
# 0.8^40 < 1e-3), so any issue day's forecast is drawn alone, the same whatever was drawn before
_MEMORY_DAYS = 40


def _increment_sd(k: int) -> float:
    """Return the standard deviation of the k-th error increment: error_sd(h)² is the sum of the first h."""
    return error_sd(1) if k == 1 else math.sqrt(error_sd(k) ** 2 - error_sd(k - 1) ** 2)


@lru_cache(maxsize=1 << 18)
def _unit_draw(seed: int, region: str, ordinal: int, k: int) -> float:
    return _gauss(seed, region, ordinal, k, "forecast")


@lru_cache(maxsize=1 << 16)
def _increment(seed: int, region: str, ordinal: int, k: int) -> float:
    """Return the k-th standardised error increment of the forecast day `ordinal` (AR(1) over the days)."""
    rho = LEAD_CORRELATION
    total = sum(rho**i * _unit_draw(seed, region, ordinal - i, k) for i in range(_MEMORY_DAYS + 1))
    return total * math.sqrt((1.0 - rho**2) / (1.0 - rho ** (2 * (_MEMORY_DAYS + 1))))


@dataclass(frozen=True, slots=True)
class SimulatedForecast:
    """``domain.forecast.Forecast`` drawn from a simulation run's climate."""

    climate: Climate

    def errors(self, region: str, *, issued: date, horizon_days: int) -> list[float]:
        """Return the forecast errors (°C) of the days 1 .. `horizon_days` after `issued`."""
        seed, out = self.climate.seed, []
        for lead in range(1, horizon_days + 1):
            day = issued.toordinal() + lead
            out.append(sum(_increment_sd(k) * _increment(seed, region, day, k) for k in range(1, lead + 1)))
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
