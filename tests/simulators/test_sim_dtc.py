"""DTC episodes of the lifecycle simulator: real faults mature pending -> confirmed and persist until the workshop
clears them, glitches show once, the ground truth is the confirmation day, and the codes fit the powertrain."""

from __future__ import annotations

from datetime import date, timedelta

from domain.dtc import catalogue, parse_list
from domain.vocabulary import Powertrain, RiskKind
from simulators.climate import Climate
from simulators.dtc import DTC_LIST, DtcEpisodes, codes_for
from simulators.history import COLUMNS, VehicleHistory, vehicle_rows
from simulators.lifecycle import build_lifecycle

FIRST, DAYS = date(2025, 6, 1), 365
SCENARIO = build_lifecycle(101, 300, FIRST, DAYS)
EPISODES = [DtcEpisodes(p.vehicle, seed=101, first=FIRST, days=DAYS) for p in SCENARIO.plans]


def _span(e: DtcEpisodes, start: date, end: date) -> list[tuple[date, tuple]]:
    return [(start + timedelta(days=d), parse_list(e.reading(start + timedelta(days=d))))
            for d in range((end - start).days + 1)]  # fmt: skip


def test_the_fleet_has_faults_of_every_mode_and_more_glitches_than_faults():
    faults = [f for e in EPISODES for f in e.faults]
    glitches = sum(len(e.glitches) for e in EPISODES)
    assert 10 <= len(faults) <= 45 and {f.mode for f in faults} == {"immediate", "two_trip", "intermittent"}
    assert glitches > 3 * len(faults)
    again = DtcEpisodes(SCENARIO.plans[0].vehicle, seed=101, first=FIRST, days=DAYS)
    assert again.faults == EPISODES[0].faults and again.glitches == EPISODES[0].glitches


def test_a_real_fault_is_pending_first_then_confirmed_until_the_workshop_clears_it():
    for e in EPISODES:
        for f in e.faults:
            days = dict(
                _span(e, f.start - timedelta(days=1), (f.repaired or f.confirmed) + timedelta(days=1))
            )
            own = {d: next((r for r in codes if r.code == f.code), None) for d, codes in days.items()}
            before = [r for d, r in own.items() if d < f.confirmed and r is not None]
            assert all(r.pending and not r.confirmed and not r.mil for r in before)
            assert len(before) == len(f.pending_days) and (f.mode != "immediate") == bool(before)
            end = f.repaired or f.confirmed + timedelta(days=1)
            held = [own[d] for d in days if f.confirmed <= d < end]
            assert held and all(r is not None and r.confirmed and r.mil == f.mil for r in held)
            if f.repaired is not None:
                assert own[f.repaired] is None, "the workshop cleared the code"


def test_a_glitch_is_one_pending_day():
    for e in EPISODES:
        for day, code in e.glitches.items():
            if any(f.start - timedelta(days=1) <= day for f in e.faults):
                continue
            assert [r.code for r in parse_list(e.reading(day))] == [code]
            assert parse_list(e.reading(day))[0].pending and not parse_list(e.reading(day))[0].confirmed
            if day + timedelta(days=1) not in e.glitches:
                assert code not in {r.code for r in parse_list(e.reading(day + timedelta(days=1)))}


def test_the_ground_truth_is_the_confirmation_day_and_the_repair():
    for e in EPISODES:
        assert e.truths() == [(RiskKind.DTC, f.mode, f.start, f.confirmed, f.repaired) for f in e.faults]


def test_codes_fit_the_powertrain():
    ev = set(codes_for(Powertrain.EV))
    assert "P0A80" in ev and "P0300" not in ev and "C0035" in ev
    assert "P0A80" not in codes_for(Powertrain.ICE) and "P0300" in codes_for(Powertrain.HYBRID)
    assert set(codes_for(Powertrain.ICE)) <= set(catalogue())


def test_history_rows_carry_the_list_in_extra_on_the_morning_report():
    index = {name: i for i, (name, _) in enumerate(COLUMNS)}
    end = FIRST + timedelta(days=DAYS)
    at = next(i for i, e in enumerate(EPISODES) if e.faults and e.faults[0].confirmed < end)
    plan, fault = SCENARIO.plans[at], EPISODES[at].faults[0]
    history = VehicleHistory(plan, scenario=SCENARIO, climate=Climate(101, SCENARIO.cold_snaps), vehicle_id=9)
    rows = list(vehicle_rows(history, first=FIRST, days=DAYS))
    reports = [r for r in rows if r[index["extra"]] is not None]
    assert all(r[index["dtc_count"]] == len(r[index["extra"]][DTC_LIST]) for r in reports)
    assert all(r[index["pad_wear_fl_pct"]] is not None for r in reports), "the list rides the morning report"
    listed = {c.split(":")[0] for r in reports for c in r[index["extra"]][DTC_LIST]}
    assert fault.code in listed
    truth = [t for t in history.truths if t.kind is RiskKind.DTC]
    assert [(t.failure, t.service) for t in truth] == [(fault.confirmed, fault.repaired)]
