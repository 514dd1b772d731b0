"""Seasonal climate of the six simulated regions: daily mean/min/max temperature and rain, deterministic per seed.

A region's daily mean is an annual sinusoid (coldest around 15 January) plus smoothed day-to-day noise drawn from
(seed, region, date); an optional cold snap lowers a region's temperatures over a date range.
"""

from __future__ import annotations

import hashlib
import math
import struct
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

COLDEST_DAY_OF_YEAR = 15
# Weights of today's and the previous days' random draws: weather comes in spells, not independent days.
_SPELL_WEIGHTS = (0.55, 0.45, 0.35, 0.25)
_SPELL_NORM = math.sqrt(sum(w * w for w in _SPELL_WEIGHTS))


@dataclass(frozen=True, slots=True)
class Region:
    """A simulated home region: its city, position, time zone and climate normals."""

    code: str
    city_en: str
    city_zh: str
    lat_deg: float
    lon_deg: float
    tz: str
    mean_c: float  # annual mean of the daily mean temperature
    amplitude_c: float  # half the difference between the warmest and the coldest month
    diurnal_c: float  # typical daily max - min
    noise_c: float  # standard deviation of the day-to-day anomaly
    rain_share: float  # share of rainy days in an average month


REGIONS: dict[str, Region] = {
    r.code: r
    for r in (
        Region("harbin", "Harbin", "哈尔滨", 45.803, 126.535, "Asia/Shanghai", 4.5, 20.0, 11.0, 3.0, 0.25),
        Region("beijing", "Beijing", "北京", 39.904, 116.407, "Asia/Shanghai", 12.5, 15.0, 10.0, 2.5, 0.20),
        Region("shanghai", "Shanghai", "上海", 31.230, 121.474, "Asia/Shanghai", 17.0, 11.0, 7.0, 2.0, 0.35),
        Region("guangzhou", "Guangzhou", "广州", 23.129, 113.264, "Asia/Shanghai", 22.0, 7.0, 7.0, 1.5, 0.40),
        Region("chengdu", "Chengdu", "成都", 30.659, 104.066, "Asia/Shanghai", 16.5, 10.0, 7.0, 1.8, 0.40),
        Region("urumqi", "Ürümqi", "乌鲁木齐", 43.825, 87.617, "Asia/Urumqi", 7.0, 19.0, 11.0, 3.0, 0.15),
    )
}


@dataclass(frozen=True, slots=True)
class ColdSnap:
    """A cold spell: from `start` for `days` days, `region` is `drop_c` degrees colder than usual."""

    region: str
    start: date
    days: int
    drop_c: float


@dataclass(frozen=True, slots=True)
class Weather:
    """One region's weather on one local calendar day."""

    mean_c: float
    min_c: float
    max_c: float
    rain_mm: float


def _unit(*parts: object) -> float:
    """Return a deterministic number in [0, 1) from the parts (stable across processes, unlike hash())."""
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=8).digest()
    return struct.unpack(">Q", digest)[0] / 2.0**64


def _gauss(*parts: object) -> float:
    """Return a deterministic standard-normal draw from the parts (Box-Muller)."""
    u1 = max(_unit(*parts, "a"), 1e-12)
    u2 = _unit(*parts, "b")
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)


def seasonal_mean_c(region: Region, day: date) -> float:
    """Return the climatological daily mean temperature of `region` on `day` (no noise)."""
    phase = 2.0 * math.pi * (day.timetuple().tm_yday - COLDEST_DAY_OF_YEAR) / 365.25
    return region.mean_c - region.amplitude_c * math.cos(phase)


@lru_cache(maxsize=65536)
def _draw(seed: int, region: str, ordinal: int) -> float:
    return _gauss(seed, region, ordinal)


@lru_cache(maxsize=65536)
def _weather(seed: int, code: str, day: date, snaps: tuple[ColdSnap, ...]) -> Weather:
    region = REGIONS[code]
    ordinal = day.toordinal()
    spell = sum(w * _draw(seed, code, ordinal - k) for k, w in enumerate(_SPELL_WEIGHTS)) / _SPELL_NORM
    drop = sum(
        s.drop_c for s in snaps if s.region == code and s.start <= day < s.start + timedelta(days=s.days)
    )
    mean = seasonal_mean_c(region, day) + region.noise_c * spell - drop
    half_range = region.diurnal_c * (0.4 + 0.2 * _unit(seed, code, ordinal, "range"))
    summer = 0.5 - 0.5 * math.cos(2.0 * math.pi * (day.timetuple().tm_yday - COLDEST_DAY_OF_YEAR) / 365.25)
    rain_p = region.rain_share * (0.5 + summer)
    u = _unit(seed, code, ordinal, "rain")
    rain = round(-8.0 * math.log(max(1e-9, u / rain_p)), 1) if u < rain_p else 0.0
    return Weather(round(mean, 2), round(mean - half_range, 2), round(mean + half_range, 2), rain)


@dataclass(frozen=True, slots=True)
class Climate:
    """The weather model of one simulation run: a seed and the cold snaps injected into it."""

    seed: int
    cold_snaps: tuple[ColdSnap, ...] = ()

    def weather(self, region: str, day: date) -> Weather:
        """Return the weather of `region` on local calendar day `day`."""
        return _weather(self.seed, region, day, self.cold_snaps)

    def mean_c(self, region: str, last_day: date, days: int = 7) -> float:
        """Return the mean daily temperature of `region` over the `days` days ending with `last_day`."""
        return sum(self.weather(region, last_day - timedelta(days=k)).mean_c for k in range(days)) / days

    def with_snap(self, snap: ColdSnap) -> Climate:
        """Return the same climate with one more cold snap."""
        return Climate(self.seed, (*self.cold_snaps, snap))
