"""Repository against the real database: rollup refresh (plain PostgreSQL SQL), frame loading, risk upsert/resolve."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from core.db import connect
from detection.errors import DetectionError
from detection.flags import RiskFlag, RuleResult
from detection.repository import SaveCounts, load_frame, refresh_daily, save_result
from domain.evidence import Evidence, parse_evidence
from domain.vocabulary import RiskKind, Severity

D1 = date(2026, 1, 10)
T0 = datetime(2026, 1, 10, tzinfo=UTC)


def _rollup(conn, vehicle_id):
    return conn.execute(
        "SELECT day, samples, lv_v_min, lv_v_rest_avg, lv_v_rest_n, pad_wear_max, odometer_min_m, odometer_max_m,"
        " air_temp_min, hv_soh_avg FROM telemetry_daily WHERE vehicle_id = %s ORDER BY day", (vehicle_id,)
    ).fetchall()  # fmt: skip


def test_refresh_daily_aggregates_per_fleet_day_and_rests_only_when_parked(database, conn, fleet):
    car = fleet.vehicle()
    s = lambda h, **kw: {"ts": T0 + timedelta(hours=h), **kw}  # noqa: E731
    fleet.samples(car, [
        s(6, lv_voltage_v=9.9, lv_current_a=-160.0, speed_kmh=0.0, air_temp_c=-8.0),  # engine start
        s(7, lv_voltage_v=14.2, lv_current_a=30.0, speed_kmh=70.0, air_temp_c=-5.0, odometer_m=1_000_000),
        s(8, lv_voltage_v=12.1, lv_current_a=-1.0, speed_kmh=35.0, air_temp_c=-4.0),  # low current but moving
        s(12, lv_voltage_v=12.5, lv_current_a=-0.5, speed_kmh=0.0, pad_wear_fl_pct=40, pad_wear_rr_pct=44),
        s(20, lv_voltage_v=12.7, lv_current_a=1.5, odometer_m=1_042_000, pad_wear_fr_pct=41),  # no speed: parked
        s(20.99, lv_voltage_v=12.0, lv_current_a=-5.0, speed_kmh=0.0),  # parked but a load is on: not resting
        s(21.01, lv_voltage_v=12.4, lv_current_a=0.2, speed_kmh=0.0, hv_soh_pct=88.5),  # next fleet day (05:00 CST)
    ])  # fmt: skip
    with connect(database, autocommit=True) as auto:
        mode = refresh_daily(auto, start=T0 - timedelta(days=1), end=T0 + timedelta(days=3))
    assert mode == "postgres"
    day1, day2 = _rollup(conn, car)
    assert day1[0] == T0 and day1[1] == 6
    assert day1[2] == pytest.approx(9.9)
    assert day1[3] == pytest.approx((12.5 + 12.7) / 2) and day1[4] == 2
    assert day1[5] == 44 and (day1[6], day1[7]) == (1_000_000, 1_042_000)
    assert day1[8] == pytest.approx(-8.0) and day1[9] is None
    assert day2[0] == T0 + timedelta(days=1) and day2[1] == 1 and day2[9] == pytest.approx(88.5)

    # Deleted raw rows disappear from the rollup on the next refresh of their window; others are untouched.
    conn.execute("DELETE FROM telemetry WHERE vehicle_id = %s AND ts >= %s", (car, T0 + timedelta(hours=21)))
    with connect(database, autocommit=True) as auto:
        refresh_daily(auto, start=T0 + timedelta(days=1), end=T0 + timedelta(days=2))
    assert [row[0] for row in _rollup(conn, car)] == [T0]


def test_refresh_refuses_a_transaction(database):
    with connect(database) as tx, pytest.raises(DetectionError, match="autocommit"):
        refresh_daily(tx, start=T0, end=T0 + timedelta(days=1))


def test_load_frame_joins_vehicle_and_stops_at_now(database, conn, fleet, days_until):
    ev = fleet.vehicle(powertrain="EV", region="harbin")
    ice = fleet.vehicle()
    fleet.days(ev, days_until(D1, 5), crank_v=None, soh=90.0, temp=-15.0)
    fleet.days(
        ice, days_until(D1 + timedelta(days=2), 7), wear=30, odometer_m=lambda i: 5_000_000 + 40_000 * i
    )
    with connect(database, autocommit=True) as auto:
        refresh_daily(auto, start=T0 - timedelta(days=30), end=T0 + timedelta(days=5))
    frame = load_frame(conn, start=T0 - timedelta(days=3), now=T0 + timedelta(hours=9))
    assert sorted(frame["vehicle_id"].unique()) == [ev, ice]
    assert frame["day"].dtype == "datetime64[ns]"
    assert frame["day"].max() == datetime(2026, 1, 10) and frame["day"].min() == datetime(2026, 1, 8)
    row = frame[(frame["vehicle_id"] == ev) & (frame["day"] == datetime(2026, 1, 10))].iloc[0]
    assert (row["powertrain"], row["region"]) == ("EV", "harbin")
    assert row["hv_soh_avg"] == pytest.approx(90.0) and row["lv_v_rest_avg"] == pytest.approx(12.6)
    assert row["lv_v_min"] == pytest.approx(12.6)  # an EV's minimum is a resting voltage
    assert row["air_temp_min"] == pytest.approx(-15.0)
    assert frame["odometer_max_m"].dtype == "float64" and frame["pad_wear_max"].dtype == "float64"
    assert load_frame(conn, start=T0 + timedelta(days=20), now=T0 + timedelta(days=21)).empty


def _evidence(stored: dict) -> Evidence:
    return parse_evidence(RiskKind.BRAKE_PADS, stored)


def _flag(vehicle_id, **changes):
    base = {
        "vehicle_id": vehicle_id,
        "kind": RiskKind.BRAKE_PADS,
        "rule_id": "brake_pad_wear",
        "rule_version": 1,
        "severity": Severity.MEDIUM,
        "confidence": 0.7,
        "diagnosis": "pads_near_limit",
        "evidence": _evidence(
            {"readings": [{"signal": "x", "day": "2026-01-10", "value": 77.0}], "threshold": 80.0}
        ),
        "predicted_date": date(2026, 2, 1),
        "predicted_low": date(2026, 1, 25),
        "predicted_high": date(2026, 2, 9),
    }
    return RiskFlag(**(base | changes))  # fmt: skip


def _risks(conn):
    return conn.execute(
        "SELECT vehicle_id, kind, status, severity, diagnosis, predicted_date, rule_version, first_seen_at,"
        " last_seen_at, resolved_at, evidence FROM risk ORDER BY id"
    ).fetchall()


def test_save_result_upserts_one_open_risk_and_resolves_cleared_vehicles(conn, fleet):
    a, b, c = fleet.vehicle(), fleet.vehicle(), fleet.vehicle()
    first = RuleResult("brake_pad_wear", RiskKind.BRAKE_PADS, (_flag(a), _flag(b)), frozenset({a, b, c}))
    assert save_result(conn, result=first, now=T0) == SaveCounts(opened=2)
    later = T0 + timedelta(hours=1)
    second = RuleResult(
        "brake_pad_wear", RiskKind.BRAKE_PADS,
        (_flag(a, severity=Severity.HIGH, rule_version=2, predicted_date=date(2026, 1, 20), predicted_low=None,
               predicted_high=None, evidence=_evidence({"readings": [], "threshold": 80.0, "v": 2})),),
        frozenset({a, b}),
    )  # fmt: skip
    assert save_result(conn, result=second, now=later) == SaveCounts(updated=1, resolved=1)
    rows = _risks(conn)
    assert len(rows) == 2
    ra, rb = rows
    assert ra[:7] == (a, "brake_pads", "open", "high", "pads_near_limit", date(2026, 1, 20), 2)
    assert ra[7] == T0 and ra[8] == later and ra[10] == {"readings": [], "threshold": 80.0, "v": 2}
    assert rb[:3] == (b, "brake_pads", "resolved") and rb[9] == later

    # A new flag after resolution opens a fresh risk; the resolved one stays as history.
    assert save_result(conn, result=first, now=later + timedelta(hours=1)) == SaveCounts(opened=1, updated=1)
    assert [(r[0], r[2]) for r in _risks(conn)] == [(a, "open"), (b, "resolved"), (b, "open")]


def test_resolve_only_touches_its_kind_and_never_risks_first_seen_later(conn, fleet):
    a = fleet.vehicle()
    save_result(conn, result=RuleResult("r", RiskKind.BRAKE_PADS, (_flag(a),), frozenset({a})), now=T0)
    cleared_winter = RuleResult("w", RiskKind.WINTER_PREP, (), frozenset({a}))
    assert save_result(conn, result=cleared_winter, now=T0).resolved == 0
    cleared_brakes = RuleResult("r", RiskKind.BRAKE_PADS, (), frozenset({a}))
    assert save_result(conn, result=cleared_brakes, now=T0 - timedelta(days=1)).resolved == 0
    assert save_result(conn, result=cleared_brakes, now=T0 + timedelta(days=1)).resolved == 1
