"""The simulator's own weather forecast: a calibrated forecast of its climate, good tomorrow, near normal ten days out.

The climate (``simulators.climate``) is each region's normal plus an anomaly of standard deviation `noise_c` (its
day-to-day spread) with a few days of memory, and the cold snaps injected. A real forecast at long leads does not
err more than that spread: a calibrated (efficient) forecast is the expected weather given what is known, so as
skill is lost it tends to the normal and its error to the climate's own spread, never above it. Its skill is the
anomaly correlation `r(h)` of its anomaly with the true one, from a published verification
(``domain.forecast.ANOMALY_CORRELATION``: 0.995 a day ahead, 0.80 at seven days, 0.60 at ten); its error's
standard deviation is then `noise_c` × sqrt(1 - r(h)²) (``domain.forecast.error_sd``): 0.1–0.3 °C a day ahead,
0.9–1.8 °C at seven days, 1.2–2.4 °C at ten (Guangzhou to Harbin).

Successive forecasts of the same day are updates of one another, not independent draws: today's forecast for
Friday is yesterday's plus what was learned overnight, so the two err alike (forecast "jumpiness" is small next to
the error: E. Zsótér, R. Buizza and D. Richardson, "'Jumpiness' of the ECMWF and Met Office EPS control and
ensemble-mean forecasts", Monthly Weather Review 137, 3823–3836, 2009), and each revision is uncorrelated with the
later error (an efficient forecast: W. D. Nordhaus, "Forecasting efficiency: concepts and applications", Review of
Economics and Statistics 69, 667–674, 1987). Both hold by construction: a day's true anomaly `a` is split into
independent increments u_0 … u_H (u_k with variance (r(k)² - r(k + 1)²) × noise_c², r(0) = 1, the last holding
r(H)²), drawn given their sum `a` (Gaussian conditioning: u_k = z_k + w_k × (a - Σ z), z_k independent, w_k the
k-th share of the variance); the forecast `h` days ahead is the sum of u_h … u_H, so a forecast one day newer adds
one increment. Its anomaly is then r(h)² × a plus noise of variance r(h)² (1 - r(h)²) noise_c²: a damped, noisy
estimate of the true anomaly. Two forecasts of one day issued a day apart err with correlation
sqrt((1 - r(h)²) / (1 - r(h + 1)²)); each increment is correlated between neighbouring forecast days (AR(1), 0.8),
so one forecast too warm on day 3 is likely too warm on day 4. The error shifts the day's minimum and maximum alike.

Deterministic per (seed, region, issue day), like the climate itself, so a backfill and a test see the same
forecast. The forecast knows the climate's cold snaps only as well as any other anomaly: it is the truth's damped
estimate plus noise, never the truth.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from domain.forecast import (
    LEAD_CORRELATION,
    MAX_HORIZON_DAYS,
    DayForecast,
    RegionForecast,
    anomaly_correlation,
    error_sd,
)
from simulators.climate import REGIONS, Climate, _gauss, seasonal_mean_c

__all__ = ["SimulatedForecast", "error_sd", "issued_forecasts"]
# the AR(1) of an increment over the forecast days is drawn as its moving sum over this many earlier days (weight
# 0.8^40 < 1e-3), so any issue day's forecast is drawn alone, the same whatever was drawn before
_MEMORY_DAYS = 40


def _skill(k: int) -> float:
    """Return r(k)²: the share of the anomaly's variance a forecast `k` days ahead knows (1 at day 0)."""
    return 1.0 if k == 0 else anomaly_correlation(k) ** 2


def _increment_share(k: int) -> float:
    """Return the share of the anomaly's variance in the k-th increment (k = 0 .. MAX_HORIZON_DAYS): learned when
    the lead falls from k + 1 to k days; the last holds what even the longest forecast knows."""
    return _skill(k) if k == MAX_HORIZON_DAYS else _skill(k) - _skill(k + 1)


@lru_cache(maxsize=1 << 18)
def _unit_draw(seed: int, region: str, ordinal: int, k: int) -> float:
    return _gauss(seed, region, ordinal, k, "forecast")


@lru_cache(maxsize=1 << 16)
def _increment(seed: int, region: str, ordinal: int, k: int) -> float:
    """Return the k-th standardised independent draw of the forecast day `ordinal` (AR(1) over the days)."""
    rho = LEAD_CORRELATION
    total = sum(rho**i * _unit_draw(seed, region, ordinal - i, k) for i in range(_MEMORY_DAYS + 1))
    return total * math.sqrt((1.0 - rho**2) / (1.0 - rho ** (2 * (_MEMORY_DAYS + 1))))


@dataclass(frozen=True, slots=True)
class SimulatedForecast:
    """``domain.forecast.Forecast`` drawn from a simulation run's climate."""

    climate: Climate

    def errors(self, region: str, *, issued: date, horizon_days: int) -> list[float]:
        """Return the forecast errors (°C, forecast - truth) of the days 1 .. `horizon_days` after `issued`."""
        seed, sd, out = self.climate.seed, REGIONS[region].noise_c, []
        for lead in range(1, horizon_days + 1):
            day = issued + timedelta(days=lead)
            anomaly = self.climate.weather(region, day).mean_c - seasonal_mean_c(REGIONS[region], day)
            z = [
                sd * math.sqrt(_increment_share(k)) * _increment(seed, region, day.toordinal(), k)
                for k in range(MAX_HORIZON_DAYS + 1)
            ]
            increments = [zk + _increment_share(k) * (anomaly - sum(z)) for k, zk in enumerate(z)]
            out.append(sum(increments[lead:]) - anomaly)
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
