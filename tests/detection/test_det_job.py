"""A detection pass end to end on the real database: raw telemetry -> rollup -> rules -> one open risk per kind."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from detection import judging
from detection.job import KindCounts, run_pass
from detection.rules import RULES
from domain.vocabulary import RULE_KINDS, RiskKind

NOW = datetime(2026, 1, 20, 9, 0, tzinfo=UTC)
TODAY = NOW.date()
# Seasonal-care kinds this fleet does not report signals for (tests/detection/test_rules_*.py cover them).
UNSEEDED = {
    RiskKind.WIPERS,
    RiskKind.TYRE_PRESSURE,
    RiskKind.SUMMER_CARE,
    RiskKind.HOLIDAY_TRIP,
    RiskKind.DTC,
}


def _open(conn) -> dict[tuple[int, str], tuple]:
    rows = conn.execute(
        "SELECT vehicle_id, kind, id, severity, diagnosis, first_seen_at, last_seen_at, evidence"
        " FROM risk WHERE status = 'open'"
    ).fetchall()
    return {(r[0], r[1]): r[2:] for r in rows}


def _seed(fleet, days_until) -> SimpleNamespace:
    history = days_until(TODAY, 30)
    odo = lambda i: 20_000_000 + 45_000 * i  # noqa: E731
    cars = SimpleNamespace(
        weak_12v=fleet.vehicle(), soh_low=fleet.vehicle(powertrain="EV", region="shanghai"),
        worn_pads=fleet.vehicle(), cold=fleet.vehicle(region="harbin"), healthy=fleet.vehicle(region="guangzhou"),
        service_due=fleet.vehicle(region="guangzhou"),
    )  # fmt: skip
    # Cranking dip falling 9.9 -> 9.2 V (engine start at 14 C: +0.18 V when normalised to 20 C).
    fleet.days(
        cars.weak_12v, history, crank_v=lambda i: 9.9 - 0.7 * i / 29, temp=18.0, wear=20, odometer_m=odo
    )
    fleet.days(cars.soh_low, history, crank_v=None, soh=lambda i: 79.8 - 0.01 * i, temp=15.0)
    fleet.days(cars.worn_pads, history, wear=85, odometer_m=odo, temp=16.0)
    # Harbin at -10 C: the engine start at -14 C dips to 10.3 - 0.03 * 34 = 9.28 V, a healthy battery.
    fleet.days(cars.cold, history, crank_v=9.28, temp=-10.0, wear=25, odometer_m=odo)
    fleet.days(
        cars.healthy, history, temp=22.0, wear=30, odometer_m=odo, service_km=8000.0, service_s=150 * 86400
    )
    # 45 km a day and 300 km to the next service: due in under a week.
    fleet.days(cars.service_due, history, temp=22.0, wear=30, odometer_m=odo,
               service_km=lambda i: 300.0 + 45.0 * (29 - i), service_s=100 * 86400)  # fmt: skip
    return cars


def test_pass_raises_updates_and_resolves_risks(conn, fleet, days_until, pool):
    cars = _seed(fleet, days_until)
    expected = {
        (cars.weak_12v, "battery_12v"), (cars.soh_low, "ev_battery_soh"), (cars.worn_pads, "brake_pads"),
        (cars.cold, "winter_prep"), (cars.service_due, "maintenance_due"),
    }  # fmt: skip

    report = run_pass(pool, now=NOW, refresh_days=30)
    assert report.failed_rules == () and report.vehicles == 6 and report.rows == 6 * 30
    assert report.storage_mode == "postgres"
    assert {k: (c.flagged, c.opened) for k, c in report.kinds.items()} == {
        k: (0, 0) if k in UNSEEDED else (1, 1) for k in RULE_KINDS
    }
    assert report.kinds["battery_12v"].evaluated == 6
    assert report.kinds["maintenance_due"].evaluated == 2
    risks = _open(conn)
    assert set(risks) == expected
    assert risks[(cars.weak_12v, "battery_12v")][2] == "high_internal_resistance"
    assert risks[(cars.cold, "winter_prep")][1:3] == ("medium", "winter_onset")
    assert risks[(cars.worn_pads, "brake_pads")][2] == "pads_worn"
    assert risks[(cars.soh_low, "ev_battery_soh")][2] == "soh_below_threshold"
    assert risks[(cars.service_due, "maintenance_due")][1:3] == ("medium", "service_due_soon")
    # The last report is yesterday's 17:00 sample (today's comes after `now`): 345 km at 45 km a day.
    assert risks[(cars.service_due, "maintenance_due")][5]["days_left"] == pytest.approx(345 / 45, abs=0.1)
    readings = risks[(cars.weak_12v, "battery_12v")][5]["readings"]
    assert readings[-1]["day"] == TODAY.isoformat() and readings[-1]["raw_value"] == pytest.approx(9.2)

    later = NOW + timedelta(hours=1)
    again = run_pass(pool, now=later)
    assert {k: (c.opened, c.updated, c.resolved) for k, c in again.kinds.items()} == {
        k: (0, 0, 0) if k in UNSEEDED else (0, 1, 0) for k in RULE_KINDS
    }
    after = _open(conn)
    # Same rows, no duplicates.
    assert {k: v[0] for k, v in after.items()} == {k: v[0] for k, v in risks.items()}
    assert conn.execute("SELECT count(*) FROM risk").fetchone()[0] == 5
    assert all(v[3] == NOW and v[4] == later for v in after.values())

    # The 12 V battery is replaced: three healthy engine starts. A normal pass (3-day refresh) picks them up.
    fleet.days(cars.weak_12v, [TODAY + timedelta(days=d) for d in (1, 2, 3)], crank_v=10.4, temp=18.0, wear=20,
               odometer_m=lambda i: 21_400_000 + 45_000 * i)  # fmt: skip
    third = NOW + timedelta(days=3)
    report = run_pass(pool, now=third)
    assert report.kinds["battery_12v"] == KindCounts(evaluated=6, flagged=0, opened=0, updated=0, resolved=1)
    status, resolved_at = conn.execute(
        "SELECT status, resolved_at FROM risk WHERE vehicle_id = %s AND kind = 'battery_12v'",
        (cars.weak_12v,),
    ).fetchone()
    assert (status, resolved_at) == ("resolved", third)
    final = _open(conn)
    assert set(final) == expected - {(cars.weak_12v, "battery_12v")}
    # The cold car sent nothing for three days: winter prep was not judged again, so it stays as it was.
    assert final[(cars.cold, "winter_prep")][4] == later
    assert final[(cars.worn_pads, "brake_pads")][4] == third


def test_a_failing_rule_is_counted_and_the_others_still_run(conn, fleet, days_until, pool):
    cars = _seed(fleet, days_until)

    def explode(frame, *, now, params):
        raise RuntimeError("boom")

    broken = SimpleNamespace(
        RULE_ID="broken_rule", RULE_VERSION=1, KIND=RiskKind.BRAKE_PADS, evaluate=explode
    )
    report = run_pass(pool, now=NOW, refresh_days=30, rules=((broken, None), *RULES))
    assert report.failed_rules == ("broken_rule",)
    assert set(report.kinds) == set(RULE_KINDS)
    assert (cars.worn_pads, "brake_pads") in _open(conn)


def _rollup_days(conn, vehicle_id: int) -> list:
    rows = conn.execute(
        "SELECT day::date FROM telemetry_daily WHERE vehicle_id = %s ORDER BY day", (vehicle_id,)
    )
    return [r[0] for r in rows.fetchall()]


def _age_arrivals(conn) -> None:
    """Move every receive time an hour back, beyond the watermark's re-read margin."""
    conn.execute("UPDATE telemetry SET received_at = received_at - interval '1 hour'")


def test_late_data_older_than_the_refresh_window_is_rolled_up_on_the_next_normal_pass(
    conn, fleet, days_until, pool
):
    cars = _seed(fleet, days_until)
    first = run_pass(pool, now=NOW, refresh_days=30)
    assert first.refreshed_from == NOW - timedelta(days=30)
    _age_arrivals(conn)
    # Nothing new arrived: a normal pass refreshes the last 3 days only.
    quiet = run_pass(pool, now=NOW + timedelta(minutes=1))
    assert quiet.refreshed_from == NOW + timedelta(minutes=1) - timedelta(days=3)
    # A car that was offline delivers a week of history 40..34 days old (store-and-forward), after the pass.
    offline = fleet.vehicle(region="chengdu")
    late_days = days_until(TODAY - timedelta(days=34), 7)
    fleet.days(offline, late_days, wear=40, odometer_m=lambda i: 5_000_000 + 30_000 * i)
    assert _rollup_days(conn, offline) == []
    later = NOW + timedelta(minutes=2)
    report = run_pass(pool, now=later)
    assert report.refreshed_from.date() == late_days[0]
    assert _rollup_days(conn, offline) == late_days
    # Rows older than the lookback window are outside every rollup and do not widen the refresh.
    _age_arrivals(conn)
    fleet.days(cars.healthy, [TODAY - timedelta(days=400)], temp=22.0)
    capped = run_pass(pool, now=later + timedelta(minutes=1), lookback_days=60)
    assert capped.refreshed_from == later + timedelta(minutes=1) - timedelta(days=3)


# --- rules judged in forked worker processes ------------------------------------------------------------------


def test_a_pass_with_two_workers_saves_what_one_worker_saves(conn, fleet, days_until, pool, monkeypatch):
    _seed(fleet, days_until)
    monkeypatch.setattr(judging, "MIN_VEHICLES_PER_WORKER", 1)
    one = run_pass(pool, now=NOW, refresh_days=30, workers=1)
    first = _open(conn)
    two = run_pass(pool, now=NOW, refresh_days=30, workers=2)
    assert (one.workers, two.workers) == (1, 2)
    assert {k: c.flagged for k, c in one.kinds.items()} == {k: c.flagged for k, c in two.kinds.items()}
    assert {k: c.evaluated for k, c in one.kinds.items()} == {k: c.evaluated for k, c in two.kinds.items()}
    # The second pass updated the same risks with the same findings.
    second = _open(conn)
    assert {k: (v[0], v[1], v[2], v[5]) for k, v in second.items()} == {
        k: (v[0], v[1], v[2], v[5]) for k, v in first.items()
    }
