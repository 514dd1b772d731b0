"""Trouble codes of the live simulated fleet (simulators/models.py with dtc=True, what ``carecast up`` publishes):
the daily report carries the DTC list of the car's episodes (simulators/dtc.py) on the right local days, in the
history window and in live ticks after it, and the list reaches ``telemetry.extra`` through the broker and ingest."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta

import psycopg
import pytest

from core.db import connect
from core.settings import DatabaseSettings, MqttSettings
from domain.dtc import parse_list
from ingest.service import Ingester
from simulators import models as m
from simulators.dtc import DTC_LIST
from simulators.models import VehicleModel, fleet_models
from simulators.publish import Publisher
from simulators.run import iter_history, run_history
from simulators.scenario import build_scenario
from simulators.seed import seed_fleet
from simulators.settings import SimulatorSettings
from tests.conftest import wait_for
from tests.ingest_running import ingest_settings_for, started_ingester

END = datetime(2025, 11, 27, 10, 30, tzinfo=UTC)
# Seed 8's 20 cars over these 30 days: three real faults (two intermittent, one immediate; repaired 7-15 days after
# the window) and two one-day glitches; the other 15 cars report no code.
SCENARIO = build_scenario(8, 20, END, days=30)
LIVE_DAYS = 20  # daily live ticks after the window: every repair above falls inside them


def reports(model: VehicleModel) -> dict[date, dict[str, object]]:
    """Return the daily report's signals per local day: from the history window, then from a live tick at 09:00
    local on each of the LIVE_DAYS days after it (the model goes on from its history, as in run_live)."""
    out: dict[date, dict[str, object]] = {}
    for offset in range(SCENARIO.days):
        for s in model.day_samples(model.reference + timedelta(days=offset), until=SCENARIO.end):
            if m.PAD[0] in s["signals"]:
                out[s["ts"].astimezone(model.tz).date()] = s["signals"]
    last = model.reference + timedelta(days=SCENARIO.days - 1)
    for offset in range(1, LIVE_DAYS + 1):
        day = last + timedelta(days=offset)
        s = model.live_sample(datetime.combine(day, time(9), model.tz).astimezone(UTC))
        assert m.PAD[0] in s["signals"], "the first tick after 08:00 local is the day's report"
        out[day] = s["signals"]
    return out


def test_the_daily_report_carries_pending_then_confirmed_codes_on_their_days() -> None:
    models = fleet_models(SCENARIO, dtc=True)
    faulty = [md for md in models if md.dtc is not None and md.dtc.faults]
    assert {f.mode for md in faulty for f in md.dtc.faults} == {"immediate", "intermittent"}
    quiet = 0
    for md in models:
        assert md.dtc is not None
        days = reports(md)
        assert len(days) == SCENARIO.days + LIVE_DAYS
        for signals in days.values():
            codes = signals[DTC_LIST]
            assert isinstance(codes, list) and signals[m.DTC] == len(codes)
        listed = {day: {r.code: r for r in parse_list(s[DTC_LIST])} for day, s in days.items()}
        for f in md.dtc.faults:
            pending = {d for d, rs in listed.items() if f.code in rs and not rs[f.code].confirmed}
            confirmed = {d for d, rs in listed.items() if f.code in rs and rs[f.code].confirmed}
            assert pending == set(f.pending_days) and (f.mode == "immediate") == (not pending)
            assert all(listed[d][f.code].pending and not listed[d][f.code].mil for d in pending)
            assert f.repaired is not None and f.repaired in days, (
                "the workshop clears it inside the live days"
            )
            assert confirmed == {
                f.confirmed + timedelta(days=k) for k in range((f.repaired - f.confirmed).days)
            }
            assert all(listed[d][f.code].mil == f.mil for d in confirmed)
        own = {f.code for f in md.dtc.faults}
        for day, rs in listed.items():
            glitch = md.dtc.glitches.get(day)
            others = {c: r for c, r in rs.items() if c not in own}
            if glitch is None:
                assert others == {}, (md.vehicle.vin, day)
            else:
                assert list(others) == [glitch] and others[glitch].pending and not others[glitch].confirmed
        if not md.dtc.faults and not md.dtc.glitches:
            quiet += 1
            assert all(s[m.DTC] == 0 and s[DTC_LIST] == [] for s in days.values())
    assert len(faulty) == 3 and quiet == 15


def test_without_dtc_the_fleet_sends_no_list_and_every_other_signal_is_unchanged() -> None:
    with_codes = list(iter_history(fleet_models(SCENARIO, dtc=True), scenario=SCENARIO, until=SCENARIO.end))
    plain = list(iter_history(fleet_models(SCENARIO), scenario=SCENARIO, until=SCENARIO.end))
    assert len(plain) == len(with_codes) == 20 * SCENARIO.days
    changed = 0
    for (vin, samples), (same_vin, coded) in zip(plain, with_codes, strict=True):
        assert vin == same_vin
        for a, b in zip(samples, coded, strict=True):
            assert DTC_LIST not in a["signals"] and a["signals"].get(m.DTC, 0) == 0
            rest = {k: v for k, v in b["signals"].items() if k not in (m.DTC, DTC_LIST)}
            assert a["ts"] == b["ts"] and {k: v for k, v in a["signals"].items() if k != m.DTC} == rest
            changed += bool(b["signals"].get(m.DTC))
    assert changed > 0


@pytest.fixture
def ingester(database: DatabaseSettings, mqtt: MqttSettings) -> Iterator[Ingester]:
    """A running Ingester of this test; its retention admits the 2025 window (the default rejects it as too old)."""
    running = started_ingester(ingest_settings_for(database, mqtt, retention_days=36500))
    yield running
    assert running.stop(timeout=15), "ingester did not stop"


def test_the_list_reaches_telemetry_extra_through_the_broker_and_ingest(
    database: DatabaseSettings, mqtt: MqttSettings, conn: psycopg.Connection, ingester: Ingester
) -> None:
    with connect(database) as c:
        seed_fleet(c, fleet=SCENARIO.fleet)

    def faulty() -> list[VehicleModel]:
        return [md for md in fleet_models(SCENARIO, dtc=True) if md.dtc is not None and md.dtc.faults]

    models = faulty()
    history = run_history(
        SimulatorSettings(database=database, mqtt=mqtt),
        scenario=SCENARIO,
        models=models,
        samples_per_message=20,
    )
    sent: dict[tuple[str, datetime], list[str]] = {}
    for vin, samples in iter_history(
        faulty(), scenario=SCENARIO, until=SCENARIO.end
    ):  # what run_history sent
        for s in samples:
            if DTC_LIST in s["signals"]:
                sent[(vin, s["ts"])] = s["signals"][DTC_LIST]
    live = 0
    with Publisher(mqtt) as pub:  # two days of live ticks, as run_live sends them: one sample per message
        for md in models:
            for k in (1, 2):
                day = md.reference + timedelta(days=SCENARIO.days - 1 + k)
                s = md.live_sample(datetime.combine(day, time(9), md.tz).astimezone(UTC))
                pub.publish(md.vehicle.vin, [s])
                sent[(md.vehicle.vin, s["ts"])] = s["signals"][DTC_LIST]
                live += 1
        pub.flush()
    vins = [md.vehicle.vin for md in models]
    count = "SELECT count(*) FROM telemetry t JOIN vehicle v ON v.id = t.vehicle_id WHERE v.vin = ANY(%s)"
    wait_for(lambda: conn.execute(count, (vins,)).fetchone()[0] >= history.samples + live, timeout=30,
             what="every published sample stored")  # fmt: skip
    rows = conn.execute(
        "SELECT v.vin, t.ts, t.dtc_count, t.extra FROM telemetry t JOIN vehicle v ON v.id = t.vehicle_id"
        " WHERE v.vin = ANY(%s) AND t.extra ? %s",
        (vins, DTC_LIST),
    ).fetchall()
    stored = {(vin, ts): extra[DTC_LIST] for vin, ts, _, extra in rows}
    assert stored == sent
    assert all(n == len(extra[DTC_LIST]) for _, _, n, extra in rows)
    entries = [r for codes in stored.values() for r in parse_list(codes)]
    assert any(r.pending and not r.confirmed for r in entries) and any(r.confirmed for r in entries)
    assert conn.execute("SELECT count(*) FROM ingest_reject").fetchone()[0] == 0
