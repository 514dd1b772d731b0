"""Climate model: realistic normals, coldest in mid-January, deterministic noise, cold snaps."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from simulators.climate import REGIONS, Climate, ColdSnap, seasonal_mean_c


@pytest.mark.parametrize(
    ("region", "january_max", "july_min"),
    [("harbin", -12.0, 20.0), ("urumqi", -8.0, 20.0), ("beijing", 0.0, 24.0), ("shanghai", 8.0, 25.0),
     ("chengdu", 9.0, 24.0), ("guangzhou", 17.0, 27.0)],
)  # fmt: skip
def test_seasonal_normals_are_realistic(region: str, january_max: float, july_min: float) -> None:
    r = REGIONS[region]
    year = [seasonal_mean_c(r, date(2025, 1, 1) + timedelta(days=d)) for d in range(365)]
    assert sum(year) / 365 == pytest.approx(r.mean_c, abs=0.2)
    assert seasonal_mean_c(r, date(2025, 1, 15)) < january_max
    assert seasonal_mean_c(r, date(2025, 7, 15)) > july_min
    assert min(year) == pytest.approx(seasonal_mean_c(r, date(2025, 1, 15)), abs=0.01)


def test_weather_is_deterministic_per_seed_and_varies_day_to_day() -> None:
    days = [date(2025, 3, 1) + timedelta(days=d) for d in range(30)]
    a = [Climate(7).weather("beijing", d) for d in days]
    assert a == [Climate(7).weather("beijing", d) for d in days]
    assert a != [Climate(8).weather("beijing", d) for d in days]
    assert len({w.mean_c for w in a}) > 25
    assert all(w.min_c < w.mean_c < w.max_c for w in a)
    assert any(w.rain_mm > 0 for w in a) and any(w.rain_mm == 0 for w in a)


def test_region_metadata() -> None:
    assert set(REGIONS) == {"harbin", "beijing", "shanghai", "guangzhou", "chengdu", "urumqi"}
    assert REGIONS["urumqi"].tz == "Asia/Urumqi"
    assert all(r.tz == "Asia/Shanghai" for c, r in REGIONS.items() if c != "urumqi")
    assert REGIONS["harbin"].city_zh == "哈尔滨"


def test_cold_snap_lowers_only_its_region_and_dates() -> None:
    base = Climate(3)
    snap = base.with_snap(ColdSnap("harbin", date(2025, 10, 10), 5, 12.0))
    inside, outside = date(2025, 10, 12), date(2025, 10, 15)
    assert snap.weather("harbin", inside).mean_c == pytest.approx(
        base.weather("harbin", inside).mean_c - 12.0
    )
    assert snap.weather("harbin", outside) == base.weather("harbin", outside)
    assert snap.weather("beijing", inside) == base.weather("beijing", inside)
    assert snap.mean_c("harbin", date(2025, 10, 14), 5) == pytest.approx(
        base.mean_c("harbin", date(2025, 10, 14), 5) - 12.0
    )
