"""The service schedule: intervals by model, a countdown that follows the distance driven, owners' visits, truth."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from domain.vocabulary import Powertrain, RiskKind
from simulators.climate import Climate
from simulators.history import COLUMNS, VehicleHistory, vehicle_rows
from simulators.lifecycle import build_lifecycle
from simulators.service import ServiceSchedule, interval_for

FIRST = date(2025, 9, 1)
COL = {name: i for i, (name, _) in enumerate(COLUMNS)}
SCENARIO = build_lifecycle(41, 200, FIRST, 365)


def _vehicle(powertrain: Powertrain, brand: str | None = None, year: int = 2022):
    v = next(p.vehicle for p in SCENARIO.plans if p.vehicle.powertrain is powertrain)
    return replace(v, brand=brand or v.brand, model_year=year)


@pytest.mark.parametrize(
    ("powertrain", "brand", "year", "km", "days", "reports"),
    [
        (Powertrain.ICE, "Volkswagen", 2022, 10_000.0, 365, True),
        (Powertrain.ICE, "Audi", 2022, 15_000.0, 365, True),
        (Powertrain.HYBRID, "BYD", 2021, 15_000.0, 365, True),
        (Powertrain.EV, "BYD", 2020, 20_000.0, 730, True),
        (Powertrain.EV, "Tesla", 2023, None, 730, True),  # time only
        (Powertrain.ICE, "Volkswagen", 2018, 10_000.0, 365, False),  # older unit: no Vehicle.Service.*
    ],
)
def test_interval_by_powertrain_brand_and_model_year(powertrain, brand, year, km, days, reports):
    interval = interval_for(_vehicle(powertrain, brand, year))
    assert (interval.km, interval.days, interval.reports) == (km, days, reports)


def _schedules(kind: str):
    """Schedules of reporting cars with a distance interval whose first owner decision is `kind`."""
    for seed in range(41, 60):
        for plan in build_lifecycle(seed, 60, FIRST, 60).plans:
            s = ServiceSchedule(plan, seed=seed)
            if s.interval.reports and s.interval.km is not None and s.owner[0] == kind:
                yield s


def _drive(s: ServiceSchedule, km_of) -> tuple[list[tuple], date]:
    """Step `s` until its first service; return per day (day, km left, days left by an independent count, what the
    car reports that day), and the last day."""
    km_left, days_left = s.km_left, s.days_left
    seen, day = [], FIRST
    while not s.events:
        km = km_of(day)
        s.step(day, km)
        km_left, days_left = km_left - km, days_left - 1
        seen.append((day, km_left, days_left, s.reading(driven=True)))
        day += timedelta(days=1)
    return seen, day - timedelta(days=1)


@pytest.mark.parametrize("kind", ["prompt", "late"])
def test_countdown_follows_the_distance_driven_and_resets_at_the_service(kind):
    s = next(_schedules(kind))
    delay = s.owner[1]
    assert s.reading(driven=False) == (None, None)  # sent at ignition only
    seen, last = _drive(s, lambda day: 90.0 if day.weekday() < 5 else 10.0)
    for _, km_left, days_left, reading in seen[:-1]:
        assert reading == (round(km_left), int(days_left) * 86400)  # negative once overdue
    due_day, due_km, _, _ = next(x for x in seen if x[1] <= 0 or x[2] <= 0)
    ((kind_, mode, start, due, service),) = s.events
    assert kind_ is RiskKind.MAINTENANCE_DUE and start is None
    assert due == due_day and mode == ("distance" if due_km <= 0 else "time")
    assert service == due + timedelta(days=delay) == last
    assert seen[-1][3] == (s.interval.km, s.interval.days * 86400)  # reset on the service day


def test_an_early_owner_is_serviced_before_the_countdown_runs_out():
    s = next(_schedules("early"))
    margin, usual = s.owner[1], s.usual_km
    seen, last = _drive(s, lambda day: 40.0)
    ((_, _, _, due, service),) = s.events
    assert due == service == last
    reckoned = [min(days, km / usual) for _, km, days, _ in seen]
    assert reckoned[-1] <= margin < min(reckoned[:-1]) and min(seen[-1][1:3]) > 0
    assert (s.km_left, s.days_left) == (s.interval.km, s.interval.days)


def test_history_reports_the_countdown_and_writes_a_due_date_per_interval():
    checked = 0
    for plan in SCENARIO.plans:
        if plan.profile != "ride_hailing" or plan.silent or plan.vehicle.model_year < 2019:
            continue
        if plan.vehicle.brand == "Tesla" or plan.odometer_glitch_days:
            continue
        h = VehicleHistory(plan, scenario=SCENARIO, climate=Climate(41, SCENARIO.cold_snaps), vehicle_id=1)
        rows = list(vehicle_rows(h, first=FIRST, days=365))
        odometer: dict[date, int] = {}
        for r in rows:
            day = (r[COL["ts"]] + h.utc_offset).date()
            odometer[day] = max(odometer.get(day, 0), r[COL["odometer_m"]])
        countdown = {(r[COL["ts"]] + h.utc_offset).date(): r[COL["service_km"]]
                     for r in rows if r[COL["service_km"]] is not None}  # fmt: skip
        truths = [t for t in h.truths if t.kind is RiskKind.MAINTENANCE_DUE]
        services = {t.service for t in truths}
        assert len(truths) >= 4  # ~200 km a day: a 10,000-20,000 km interval every 2-3 months
        days = sorted(countdown)
        for a, b in zip(days, days[1:], strict=False):
            if b in services:
                assert countdown[b] >= h.service.interval.km - 300.0  # reset (less that day's driving)
            else:
                # the countdown falls by the distance driven (the day's last odometer) between two reports
                assert countdown[a] - countdown[b] == pytest.approx(
                    (odometer[b] - odometer[a]) / 1000.0, abs=1.5
                )
        for t in truths:
            if t.mode == "distance" and t.failure != t.service and t.failure - timedelta(days=1) in countdown:
                assert countdown[t.failure] <= 0 <= countdown[t.failure - timedelta(days=1)]
                checked += 1
        if checked >= 5:
            break
    assert checked >= 5
