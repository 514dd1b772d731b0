"""The lifecycle fleet: deterministic plans, physics consistent with the ground truth, and the direct backfill."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from domain.vocabulary import Powertrain, RiskKind
from simulators.backfill import backfill
from simulators.climate import Climate
from simulators.history import COLUMNS, VehicleHistory, vehicle_rows
from simulators.lifecycle import build_lifecycle

FIRST = date(2025, 9, 1)
COL = {name: i for i, (name, _) in enumerate(COLUMNS)}


def _run(scenario, plan, vehicle_id=1):
    h = VehicleHistory(plan, scenario=scenario, climate=Climate(scenario.seed, scenario.cold_snaps),
                       vehicle_id=vehicle_id)  # fmt: skip
    rows = list(vehicle_rows(h, first=scenario.first, days=scenario.days))
    return h, rows


def test_same_seed_same_fleet_and_rows():
    a, b = build_lifecycle(31, 30, FIRST, 60), build_lifecycle(31, 30, FIRST, 60)
    assert a.plans == b.plans
    assert _run(a, a.plans[3])[1] == _run(b, b.plans[3])[1]
    assert build_lifecycle(32, 30, FIRST, 60).plans != a.plans


def test_faults_profiles_and_quirks_are_spread_over_the_fleet():
    scenario = build_lifecycle(31, 600, FIRST, 365)
    modes = Counter(f.mode for p in scenario.plans for f in p.faults)
    assert set(modes) == {"ageing_12v", "drain_12v", "ev_cell_fault", "dragging_caliper", "brake_fluid_leak"}
    assert {p.profile for p in scenario.plans} == {"commuter", "ride_hailing", "weekend"}
    assert any(p.silent for p in scenario.plans) and any(p.recalibrations for p in scenario.plans)
    assert all(
        p.fault("ev_cell_fault") is None for p in scenario.plans if p.vehicle.powertrain is not Powertrain.EV
    )
    assert scenario.cold_snaps and all(s.start.month in (11, 12, 1, 2, 3) for s in scenario.cold_snaps)


def test_ageing_battery_fails_when_its_20c_cranking_dip_reaches_9v_and_is_replaced():
    scenario = build_lifecycle(31, 600, FIRST, 365)
    plan = next(p for p in scenario.plans if p.fault("ageing_12v") and p.fault("ageing_12v").days < 120
                and p.fault("ageing_12v").start < FIRST + timedelta(days=150) and not p.silent
                and p.weekday_km > 5)  # fmt: skip
    h, rows = _run(scenario, plan)
    (truth,) = [t for t in h.truths if t.kind is RiskKind.BATTERY_12V]
    fault = plan.fault("ageing_12v")
    assert truth.mode == "high_internal_resistance" and truth.fault_start == fault.start
    assert truth.failure == fault.start + timedelta(days=fault.days) and truth.service > truth.failure
    cranks = [r for r in rows if r[COL["lv_current_a"]] < -50]
    v20 = {(r[COL["ts"]] + h.utc_offset).date(): r[COL["lv_voltage_v"]] + 0.03 * max(0, 20 - r[COL["air_temp_c"]])
           for r in cranks}  # fmt: skip
    before = [v for d, v in v20.items() if d < fault.start]
    near = [v for d, v in v20.items() if truth.failure - timedelta(days=3) <= d <= truth.failure]
    after = [v for d, v in v20.items() if d > truth.service]
    assert min(before) > 9.8 and max(near) < 9.3 and min(after) > 10.0


def test_every_failure_in_the_window_matches_the_reported_signal():
    scenario = build_lifecycle(33, 120, FIRST, 240)
    checked = 0
    for plan in scenario.plans:
        h, rows = _run(scenario, plan)
        for t in h.truths:
            if (
                t.kind is RiskKind.BRAKE_PADS
                and t.mode != "low_brake_fluid"
                and t.failure < FIRST + timedelta(days=230)
            ):
                day_rows = [r for r in rows if r[COL["pad_wear_fl_pct"]] is not None
                            and (r[COL["ts"]] + h.utc_offset).date() == t.failure]  # fmt: skip
                if day_rows:
                    r = day_rows[0]
                    checked += 1
                    assert max(r[COL[c]] for c in ("pad_wear_fl_pct", "pad_wear_fr_pct", "pad_wear_rl_pct",
                                                   "pad_wear_rr_pct")) >= 79  # fmt: skip
    assert checked >= 3


def test_backfill_writes_telemetry_and_ground_truth(conn):
    scenario = build_lifecycle(34, 25, FIRST, 45)
    report = backfill(conn, scenario=scenario)
    assert report.vehicles == 25 and report.rows > 25 * 45 * 3
    assert conn.execute("SELECT count(*) FROM telemetry").fetchone()[0] == report.rows
    truths = conn.execute("SELECT count(*) FROM sim_ground_truth WHERE seed = 34").fetchone()[0]
    assert truths == report.truths
    kinds = {r[0] for r in conn.execute("SELECT DISTINCT kind FROM sim_ground_truth").fetchall()}
    assert kinds <= {str(k) for k in RiskKind}


def test_command_line_backfill_mode(database, conn, monkeypatch):
    from simulators.__main__ import main

    monkeypatch.setenv("CARECAST_DATABASE__URL", database.url)
    argv = [
        "--backfill",
        "--vehicles",
        "12",
        "--days",
        "40",
        "--seed",
        "35",
        "--end",
        "2026-01-31T00:00:00+00:00",
    ]
    assert main(argv) == 0
    vehicles, first, last = conn.execute(
        "SELECT count(DISTINCT vehicle_id), min(ts), max(ts) FROM telemetry"
    ).fetchone()
    assert vehicles >= 11  # a car may be silent for the whole window
    assert first.date() >= date(2025, 12, 22) and last.date() <= date(2026, 1, 31)
    assert main(["--backfill", "--vehicles", "3", "--days", "10"]) == 2  # too short a history is refused
