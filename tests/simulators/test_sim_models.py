"""Telemetry of the simulated fleet: determinism, catalog validity, healthy bands, fault ramps crossing thresholds."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from functools import cache

import numpy as np
import pytest

from core.signals import catalog, check_value
from domain.vocabulary import Powertrain, RiskKind
from simulators import models as m
from simulators.models import fleet_models
from simulators.publish import encode
from simulators.run import iter_history
from simulators.scenario import FaultKind, Scenario, build_scenario

END = datetime(2025, 11, 27, 10, 30, tzinfo=UTC)


@cache
def scenario(n: int = 60, end: datetime = END, days: int = 60) -> Scenario:
    return build_scenario(7, n, end, days=days)


@cache
def samples_by_vin(n: int = 60, end: datetime = END, days: int = 60) -> dict[str, list[dict]]:
    sc = scenario(n, end, days)
    out: dict[str, list[dict]] = defaultdict(list)
    for vin, samples in iter_history(fleet_models(sc), scenario=sc, until=sc.end):
        out[vin].extend(samples)
    return dict(out)


def series(samples: list[dict], path: str, where=lambda s: True) -> tuple[np.ndarray, np.ndarray]:
    """Return (days since END, values) of one signal."""
    rows = [
        ((s["ts"] - END).total_seconds() / 86400, s["signals"][path])
        for s in samples
        if path in s["signals"] and where(s["signals"])
    ]
    return np.array([r[0] for r in rows]), np.array([r[1] for r in rows], dtype=float)


def crank(sig: dict) -> bool:
    return sig.get(m.LV_A, 0) < -50


def resting(sig: dict) -> bool:
    return abs(sig.get(m.LV_A, 99)) < 2 and sig.get(m.SPEED, 0) < 1


def v20(samples: list[dict]) -> tuple[np.ndarray, np.ndarray]:
    rows = [s["signals"] for s in samples if crank(s["signals"])]
    x, _ = series(samples, m.LV_V, crank)
    return x, np.array([r[m.LV_V] + 0.03 * max(0.0, 20 - r[m.AIR]) for r in rows])


def healthy_vins(sc: Scenario) -> list[str]:
    return [vin for vin, kinds in sc.expected.items() if not kinds]


def test_same_seed_gives_identical_samples() -> None:
    a = build_scenario(3, 15, END, days=10)
    b = build_scenario(3, 15, END, days=10)
    enc = lambda sc: [encode(v, s) for v, s in iter_history(fleet_models(sc), scenario=sc, until=sc.end)]  # noqa: E731
    assert a.fleet == b.fleet and a.faults == b.faults and a.expected == b.expected
    assert enc(a) == enc(b)
    assert enc(a) != enc(build_scenario(4, 15, END, days=10))


def test_every_signal_is_in_the_catalog_and_every_value_passes() -> None:
    cat = catalog()
    fleet = scenario().fleet.by_vin
    for vin, samples in samples_by_vin().items():
        powertrain = fleet[vin].powertrain
        stamps = [s["ts"] for s in samples]
        assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)
        assert stamps[-1] <= END and stamps[0] >= END - timedelta(days=61)
        odometer = [s["signals"][m.ODOMETER] for s in samples]
        assert odometer == sorted(odometer)
        for s in samples:
            assert s["ts"].utcoffset() is not None
            for path, value in s["signals"].items():
                assert check_value(cat[path], value) is None, (path, value)
            assert m.AIR in s["signals"] and m.ODOMETER in s["signals"]
            if powertrain is Powertrain.ICE:
                assert not any("TractionBattery" in p for p in s["signals"])
            if powertrain is Powertrain.EV:
                assert not crank(s["signals"]) and m.COOLANT not in s["signals"]


def test_daily_rhythm_matches_the_rollup_semantics() -> None:
    fleet = scenario().fleet.by_vin
    for vin, samples in samples_by_vin().items():
        per_day: dict[object, list[dict]] = defaultdict(list)
        for s in samples:
            per_day[s["ts"].astimezone(UTC).date()].append(s["signals"])
        full_days = list(per_day.values())[:-1]
        assert len(full_days) >= 58
        for day in full_days:
            assert 5 <= len(day) <= 7
            assert sum(map(resting, day)) >= 1
            assert sum(m.PAD[0] in sig for sig in day) == 1
            cranks = [sig for sig in day if crank(sig)]
            if fleet[vin].powertrain is Powertrain.EV:
                assert not cranks and sum(m.SOH in sig for sig in day) == 1
            else:
                # one engine start, carrying the day's lowest air temperature
                assert len(cranks) == 1 and cranks[0][m.AIR] == min(sig[m.AIR] for sig in day)
                assert cranks[0][m.SPEED] == 0 and -250 < cranks[0][m.LV_A] < -100


def test_healthy_vehicles_stay_clear_of_every_threshold() -> None:
    sc = scenario()
    by_vin = samples_by_vin()
    healthy = healthy_vins(sc)
    assert len(healthy) >= 40
    for vin in healthy:
        samples = by_vin[vin]
        _, dips = v20(samples)
        if sc.fleet.by_vin[vin].powertrain is not Powertrain.EV:
            assert dips.min() >= 10.0
        _, rest = series(samples, m.LV_V, resting)
        assert rest.min() >= 12.45 and rest.max() <= 12.75
        _, lows = series(samples, m.LV_V)
        assert (
            lows.min() >= 9.0 if sc.fleet.by_vin[vin].powertrain is not Powertrain.EV else lows.min() >= 12.4
        )
        pads = max(max(s["signals"].get(p, 0) for p in m.PAD) for s in samples)
        assert pads <= 50
        _, soh = series(samples, m.SOH)
        assert soh.size == 0 or soh.min() >= 90.0


def fault_samples(kind: FaultKind) -> list[list[dict]]:
    sc = scenario()
    return [
        samples_samples for f in sc.faults if f.kind is kind for samples_samples in [samples_by_vin()[f.vin]]
    ]


def test_weak_12v_crank_dip_trends_past_failure() -> None:
    for samples in fault_samples(FaultKind.WEAK_12V):
        x, dips = v20(samples)
        assert dips[:3].mean() > 9.8 and dips[-1] < 9.6
        slope, intercept = np.polyfit(x, dips, 1)
        assert slope < 0 and intercept <= 9.0  # the fitted trend reaches 9.0 V by the end


def test_drain_12v_resting_voltage_falls_to_low_charge() -> None:
    for samples in fault_samples(FaultKind.DRAIN_12V):
        x, rest = series(samples, m.LV_V, resting)
        assert rest[:3].mean() > 12.35 and rest[-1] < 12.2
        slope, intercept = np.polyfit(x, rest, 1)
        assert intercept <= 11.95


def test_fast_brake_wear_is_due_within_30_days() -> None:
    for samples in fault_samples(FaultKind.FAST_BRAKE_WEAR):
        x = np.array([(s["ts"] - END).total_seconds() / 86400 for s in samples if m.PAD[0] in s["signals"]])
        worst = np.array([max(s["signals"][p] for p in m.PAD) for s in samples if m.PAD[0] in s["signals"]])
        assert 55 <= worst[0] <= 65 and worst[-1] >= 78
        slope, intercept = np.polyfit(x, worst, 1)
        assert intercept >= 80 or (80 - intercept) / slope <= 30


def test_ev_fast_fade_crosses_80_within_a_year() -> None:
    for samples in fault_samples(FaultKind.EV_FAST_FADE):
        x, soh = series(samples, m.SOH)
        assert 83 <= soh[0] <= 85 and soh[-1] < 82.5
        slope, intercept = np.polyfit(x, soh, 1)
        assert slope * 365.25 == pytest.approx(-15, abs=1.5)
        assert 0 < (80 - intercept) / slope <= 365


def test_service_due_counts_down_into_the_due_window_and_healthy_cars_stay_far() -> None:
    due = {f.vin for f in scenario().faults if f.kind is FaultKind.SERVICE_DUE}
    assert due
    for vin, samples in samples_by_vin().items():
        km = [s["signals"][m.SERVICE_KM] for s in samples if m.SERVICE_KM in s["signals"]]
        left_s = [s["signals"][m.SERVICE_S] for s in samples if m.SERVICE_S in s["signals"]]
        assert km == sorted(km, reverse=True) and left_s[-1] >= 120 * 86400
        if vin in due:
            assert km[0] > 1000 and 0 < km[-1] <= 300  # detection: due at <= 500 km
        else:
            assert km[-1] >= 3000


def utc_week_mean(samples: list[dict], drop_last: bool) -> float:
    days: dict[object, list[float]] = defaultdict(list)
    for s in samples:
        days[s["ts"].astimezone(UTC).date()].append(s["signals"][m.AIR])
    means = [sum(v) / len(v) for _, v in sorted(days.items())]
    window = means[-8:-1] if drop_last else means[-7:]
    return sum(window) / 7


@pytest.mark.parametrize(
    "end",
    [
        END,
        datetime(2025, 1, 20, 3, tzinfo=UTC),
        datetime(2025, 4, 10, 23, tzinfo=UTC),
        datetime(2025, 7, 15, 12, tzinfo=UTC),
        datetime(2025, 10, 1, 16, tzinfo=UTC),
    ],
)
def test_winter_expectation_matches_the_published_air_temperatures(end: datetime) -> None:
    sc = scenario(30, end, 21)
    by_vin = samples_by_vin(30, end, 21)
    winter = {f.vin for f in sc.faults if f.kind is FaultKind.WINTER_ONSET}
    assert winter
    for vin, kinds in sc.expected.items():
        for drop_last in (False, True):
            mean = utc_week_mean(by_vin[vin], drop_last)
            assert (mean < 7.0) == (RiskKind.WINTER_PREP in kinds), (vin, mean, kinds)
            assert abs(mean - 7.0) >= 1.0
        assert (RiskKind.WINTER_PREP in kinds) == (vin in winter)
    if end.month == 7:
        assert sc.climate.cold_snaps  # Harbin in July needs an injected cold snap


def test_live_samples_continue_the_models() -> None:
    sc = build_scenario(5, 8, END, days=7)
    models = fleet_models(sc)
    for _ in iter_history(models, scenario=sc, until=sc.end):
        pass
    odo = {md.vehicle.vin: md.odometer_m for md in models}
    cat = catalog()
    ticks = [END + timedelta(minutes=10 * k) for k in range(1, 150)]  # into the next local day
    firsts: dict[str, int] = defaultdict(int)
    for ts in ticks:
        for md in models:
            s = md.live_sample(ts)
            assert s["ts"] == ts
            assert all(check_value(cat[p], v) is None for p, v in s["signals"].items())
            assert s["signals"][m.ODOMETER] >= odo[md.vehicle.vin]
            odo[md.vehicle.vin] = s["signals"][m.ODOMETER]
            firsts[md.vehicle.vin] += m.PAD[0] in s["signals"]
    assert set(firsts.values()) == {1}  # one daily report on the new local day
