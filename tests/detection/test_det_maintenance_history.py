"""The maintenance rule with the service history: a maintenance visit after the countdown's last report clears
the car until it reports again; a car without a countdown is judged by the service schedule from its last
maintenance visit (else the day it entered service). Pure table tests on frames, and the frame's loading from the
real database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest

from core.service_history import record_visits
from detection.frame import epoch_day
from detection.job import run_pass
from detection.repository import load_frame
from detection.rules import maintenance
from domain.evidence import ScheduleBasis
from domain.service_visit import ServiceVisit, WorkCode
from tests.detection.conftest import NOW, add_vehicle

P = maintenance.Params()
TODAY = NOW.date()
# 40 km a day for 30 days; the odometer at the last day is 10,000 + 40 * 29 = 11,160 km.
DRIVEN = {"odometer_min_m": lambda i: 1e7 + 40_000 * i - 40_000, "odometer_max_m": lambda i: 1e7 + 40_000 * i}
ODO_KM = 11_160.0


def _day(days_ago: int) -> float:
    return float(epoch_day(TODAY - timedelta(days=days_ago)))


def _last(value: float) -> list[float]:
    return [np.nan] * 29 + [value]


def _judge(daily, **columns):
    frame = daily(1, days=30, **DRIVEN, **columns)
    res = maintenance.evaluate(frame, now=NOW, params=P)
    return res.flags[0] if res.flags else None, 1 in res.evaluated_vehicle_ids


@pytest.mark.parametrize(
    ("columns", "flagged", "evaluated"),
    [
        ({"service_km": _last(300.0)}, True, True),  # due, no visit known
        (
            {"service_km": _last(300.0), "last_maintenance_day": _day(0)},
            False,
            True,
        ),  # serviced today: cleared
        (
            {"service_km": [np.nan] * 26 + [300.0] + [np.nan] * 3, "last_maintenance_day": _day(1)},
            False,
            True,
        ),
        (
            {"service_km": _last(300.0), "last_maintenance_day": _day(5)},
            True,
            True,
        ),  # visit before the report
    ],
)
def test_a_maintenance_visit_after_the_last_report_clears_until_the_car_reports(
    daily, columns, flagged, evaluated
) -> None:
    flag, judged = _judge(daily, **columns)
    assert (flag is not None, judged) == (flagged, evaluated)


@pytest.mark.parametrize(
    ("columns", "flagged", "evaluated", "basis"),
    [
        # entered service 360 days ago, odometer then unknown: due by time in ~5 days
        ({"in_service_day": _day(360)}, True, True, ScheduleBasis.IN_SERVICE),
        # maintained 100 days ago 14,800 km back: 200 km left
        (
            {
                "last_maintenance_day": _day(100),
                "in_service_day": _day(900),
                "service_basis_km": ODO_KM - 14_800,
            },
            True,
            True,
            ScheduleBasis.MAINTENANCE_VISIT,
        ),
        # maintained 30 days ago, 1,000 km driven since: healthy, cleared
        ({"last_maintenance_day": _day(30), "service_basis_km": ODO_KM - 1_000}, False, True, None),
        # 18 days of the year left, km plenty: the hysteresis band, neither flag nor clear
        ({"last_maintenance_day": _day(347), "service_basis_km": ODO_KM - 1_000}, False, False, None),
        # nothing says when the schedule starts, or it starts after now (the car was not known then)
        ({}, False, False, None),
        ({"in_service_day": _day(-3)}, False, False, None),
    ],
)
def test_a_car_without_countdown_is_judged_by_the_schedule(daily, columns, flagged, evaluated, basis) -> None:
    flag, judged = _judge(daily, **columns)
    assert (flag is not None, judged) == (flagged, evaluated)
    if flag is not None:
        assert flag.evidence.schedule_basis == basis
        assert flag.evidence.schedule_months == 12 and flag.evidence.schedule_km == 15_000
        assert flag.evidence.time_signal is None and flag.evidence.readings == []


def test_the_schedule_counts_km_from_the_odometer_on_the_visit_day(daily) -> None:
    # No odometer in the visit: the first reading on or after it (day 10 of the frame, 10,400 km) is used.
    flag, _ = _judge(daily, last_maintenance_day=_day(19), service_basis_km=np.nan)
    assert flag is None  # 760 km since, 19 days: healthy
    km = {"odometer_min_m": lambda i: 1e7 + 700_000 * i, "odometer_max_m": lambda i: 1e7 + 700_000 * i + 1}
    frame = daily(1, days=30, **km, last_maintenance_day=_day(25))
    got = maintenance.evaluate(frame, now=NOW, params=P).flags[0]
    assert got.diagnosis == "service_overdue"  # 700 km a day: 17,500 km since the visit
    assert got.evidence.km_since == pytest.approx(700 * 25, abs=1)


def test_a_parked_car_is_not_judged_and_a_silent_countdown_falls_back_to_the_schedule(daily) -> None:
    parked = daily(1, days=30, odometer_min_m=1e7, odometer_max_m=1e7, in_service_day=_day(400))
    assert not maintenance.evaluate(parked, now=NOW, params=P).evaluated_vehicle_ids
    reporting = daily(1, days=30, **DRIVEN, service_km=[5000.0] + [np.nan] * 29, in_service_day=_day(400))
    # Its only countdown is 29 days old: none in the last 14 days while driving, so the schedule judges it (due).
    assert maintenance.evaluate(reporting, now=NOW, params=P).flags[0].evidence.schedule_basis == "in_service"


def test_load_frame_carries_the_service_history(conn) -> None:
    car = add_vehicle(conn, 1)
    vin = conn.execute("SELECT vin FROM vehicle WHERE id = %s", (car,)).fetchone()[0]
    conn.execute(
        "INSERT INTO service_center (code, name, city, region, lat_deg, lon_deg, tz, opening_hours)"
        " VALUES ('BJ1', 'Beijing 1', 'Beijing', 'beijing', 39.9, 116.4, 'Asia/Shanghai', '{}')"
    )
    conn.execute(
        "UPDATE vehicle SET registered_on = %s, odometer_at_registration_km = 12", (date(2024, 3, 1),)
    )
    for back in range(1, 4):
        conn.execute(
            "INSERT INTO telemetry_daily (vehicle_id, day, samples, odometer_min_m, odometer_max_m)"
            " VALUES (%s, %s, 5, 1000, 2000)",
            (car, datetime.combine(TODAY - timedelta(days=back), datetime.min.time(), UTC)),
        )
    frame = load_frame(conn, start=NOW - timedelta(days=30), now=NOW)
    assert frame["in_service_day"].unique().tolist() == [epoch_day(date(2024, 3, 1))]
    assert frame["service_basis_km"].unique().tolist() == [12.0]
    assert frame["last_maintenance_day"].isna().all()

    # 22:30 UTC on Jan 10 is 06:30 in China on Jan 11: the fleet day of Jan 11. A visit after `now` is not seen.
    visits = [
        ServiceVisit(vin=vin, center_code="BJ1", external_ref="M1", visited_at=datetime(2026, 1, 10, 22, 30, tzinfo=UTC),
                     work=(WorkCode.MAINTENANCE,), odometer_km=1_900),
        ServiceVisit(vin=vin, center_code="BJ1", external_ref="M2", visited_at=NOW + timedelta(days=2),
                     work=(WorkCode.MAINTENANCE,)),
        ServiceVisit(vin=vin, center_code="BJ1", external_ref="W1", visited_at=NOW - timedelta(hours=1),
                     work=(WorkCode.WIPERS,)),
    ]  # fmt: skip
    assert record_visits(conn, visits, now=NOW + timedelta(days=3)).created == 3
    frame = load_frame(conn, start=NOW - timedelta(days=30), now=NOW)
    assert frame["last_maintenance_day"].unique().tolist() == [epoch_day(date(2026, 1, 11))]
    assert frame["service_basis_km"].unique().tolist() == [1_900.0]


def test_a_dms_maintenance_visit_resolves_the_open_reminder_on_the_next_pass(
    conn, fleet, days_until, pool
) -> None:
    car = fleet.vehicle()
    vin = conn.execute("SELECT vin FROM vehicle WHERE id = %s", (car,)).fetchone()[0]
    conn.execute(
        "INSERT INTO service_center (code, name, city, region, lat_deg, lon_deg, tz, opening_hours)"
        " VALUES ('BJ1', 'Beijing 1', 'Beijing', 'beijing', 39.9, 116.4, 'Asia/Shanghai', '{}')"
    )
    # 40 km a day, and the countdown reports 300 km left every morning: due.
    fleet.days(car, days_until(TODAY - timedelta(days=1), 30), odometer_m=lambda i: 10_000_000 + 40_000 * i,
               service_km=lambda i: 1_460 - 40 * i)  # fmt: skip
    run_pass(pool, now=NOW, refresh_days=40)
    risk = conn.execute("SELECT id, status FROM risk WHERE kind = 'maintenance_due'").fetchone()
    assert risk[1] == "open"
    at = NOW + timedelta(hours=2)
    visit = ServiceVisit(
        vin=vin, center_code="BJ1", external_ref="M-1", visited_at=at, work=(WorkCode.MAINTENANCE,)
    )
    assert record_visits(conn, [visit], now=at).cases_serviced == 1
    # The car has not reported since the workshop reset its countdown: the next pass clears it.
    run_pass(pool, now=at + timedelta(hours=1), refresh_days=40)
    assert conn.execute("SELECT status FROM risk WHERE id = %s", (risk[0],)).fetchone()[0] == "resolved"
    assert (
        conn.execute("SELECT stage FROM care_case WHERE risk_id = %s", (risk[0],)).fetchone()[0] == "serviced"
    )
