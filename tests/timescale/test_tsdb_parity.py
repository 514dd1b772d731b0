"""One simulated fleet with injected faults, fed through the ingester's real decode + COPY path into plain PostgreSQL
and into the WASM TimescaleDB; the stored rows, the daily rollup, every detection result and notify's home-area
query must be the same on both engines, and detection must find exactly the scenario's expected risks."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import psycopg
import pytest
from psycopg import sql
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from core.contracts import telemetry_topic, vin_from_topic
from core.db import connect, make_pool
from core.settings import DatabaseSettings
from core.signals import COLUMNS
from detection.job import PassReport, run_pass
from domain.vocabulary import RULE_KINDS, RiskKind
from ingest.decode import Limits, decode
from ingest.settings import IngestTuning
from ingest.vehicles import VehicleResolver
from ingest.writer import Received, TelemetryWriter
from notify.repository import lock_case
from simulators.models import fleet_models
from simulators.publish import encode
from simulators.run import iter_history
from simulators.scenario import Scenario, build_scenario
from simulators.seed import seed_fleet
from tests.log_recorder import Recorder

pytestmark = pytest.mark.timescale

# Yesterday 10:00 UTC: recent enough for ingest's retention check, and the scenario derives its expected
# outcome (which regions are in winter) from the climate at that date, so any season works.
END = (datetime.now(UTC) - timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)
ROOT = "dt/parity"
SAMPLES_PER_MESSAGE = 20  # as the simulator's history run sends them: a message spans several days
MESSAGES_PER_BATCH = 25  # several ingest transactions, so redelivery crosses a commit
LOOKBACK_DAYS = 365
UNKNOWN_VIN = "LPARTY00000000001"
PAD_FL = "Vehicle.Chassis.Axle.Row1.Wheel.Left.Brake.PadWear"
AIR = "Vehicle.Exterior.AirTemperature"
SPEED = "Vehicle.Speed"

Connect = Callable[[], AbstractContextManager[psycopg.Connection]]


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    """8 vehicles, 45 days (enough weekly medians to see the EV fade): one of each injected fault (weak and
    drained 12V, worn pads, EV fade, winter) + healthy."""
    return build_scenario(11, 8, END, days=45)


@pytest.fixture(scope="module")
def messages(scenario: Scenario) -> list[tuple[str, bytes]]:
    """The history as the simulator publishes it, plus bad messages and a redelivery; (topic, payload) each."""
    out: list[tuple[str, bytes]] = []
    buffers: dict[str, list[dict[str, object]]] = {}
    for vin, samples in iter_history(fleet_models(scenario), scenario=scenario, until=scenario.end):
        buffer = buffers.setdefault(vin, [])
        buffer.extend(samples)
        while len(buffer) >= SAMPLES_PER_MESSAGE:
            out.append((telemetry_topic(ROOT, vin), encode(vin, buffer[:SAMPLES_PER_MESSAGE])))
            del buffer[:SAMPLES_PER_MESSAGE]
    out += [(telemetry_topic(ROOT, vin), encode(vin, rest)) for vin, rest in buffers.items() if rest]
    vin = scenario.fleet.vehicles[0].vin
    late = (END - timedelta(hours=3, seconds=17)).isoformat()
    mixed = {
        "v": 1,
        "vin": vin,
        "samples": [
            {"ts": "2026-11-19T09:00:00", "signals": {AIR: 3.0}},  # no offset: this sample is dropped
            {"ts": late, "signals": {SPEED: 42.0, PAD_FL: 140, "Vehicle.Warp.Drive": 1}},  # two bad signals
        ],
    }
    bad = [
        (telemetry_topic(ROOT, vin), orjson.dumps(mixed)),
        (telemetry_topic(ROOT, vin), b'{"v": 1, "vin": '),
        (telemetry_topic(ROOT, UNKNOWN_VIN), encode(UNKNOWN_VIN, [{"ts": END, "signals": {AIR: 1.0}}])),
        out[3],  # redelivered after its first delivery was committed
    ]
    return out + bad


@dataclass(frozen=True, slots=True)
class Outcome:
    """Everything one engine ended up with."""

    written: Counter[str]
    reasons: Counter[str]
    telemetry: list[tuple]
    rejects: list[tuple]
    rollup: list[dict[str, Any]]
    risks: list[dict[str, Any]]
    quality: list[tuple]
    homes: dict[tuple[str, str], tuple]
    report: PassReport
    logged_modes: list[str]


def _ingest(conn: psycopg.Connection, messages: list[tuple[str, bytes]]) -> tuple[Counter[str], Counter[str]]:
    """Decode and write the messages in batches exactly as ingest.service does; return the summed counts."""
    tuning = IngestTuning()
    limits = Limits(
        max_bytes=tuning.max_payload_bytes,
        max_future=timedelta(seconds=tuning.max_future_s),
        max_age=timedelta(days=tuning.retention_days),
    )
    writer = TelemetryWriter(resolver=VehicleResolver(unknown_ttl_s=tuning.unknown_vin_ttl_s))
    written: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    for i in range(0, len(messages), MESSAGES_PER_BATCH):
        batch = [
            Received(topic, payload, decode(vin_from_topic(ROOT, topic), payload, now=END, limits=limits))
            for topic, payload in messages[i : i + MESSAGES_PER_BATCH]
        ]
        result = writer.write(conn, batch=batch)
        written.update(rows=result.rows, inserted=result.inserted, duplicates=result.duplicates,
                       rejects=result.rejects)  # fmt: skip
        reasons.update(result.reasons)
    return written, reasons


_TELEMETRY = sql.SQL(
    "SELECT v.vin, {columns} FROM telemetry t JOIN vehicle v ON v.id = t.vehicle_id ORDER BY v.vin, t.ts"
).format(columns=sql.SQL(", ").join(sql.Identifier("t", c) for c in ("ts", *COLUMNS.values(), "extra")))
_REJECTS = "SELECT topic, vin, reason, detail, sample_index, payload FROM ingest_reject ORDER BY id"
_ROLLUP = (
    "SELECT v.vin, d.* FROM telemetry_daily d JOIN vehicle v ON v.id = d.vehicle_id ORDER BY v.vin, d.day"
)
_RISKS = (
    "SELECT v.vin, r.id, r.kind, r.rule_id, r.rule_version, r.status, r.severity, r.confidence, r.diagnosis,"
    " r.predicted_date, r.predicted_low, r.predicted_high, r.evidence, r.first_seen_at, r.last_seen_at"
    " FROM risk r JOIN vehicle v ON v.id = r.vehicle_id ORDER BY v.vin, r.kind"
)
_QUALITY = (
    "SELECT v.vin, q.day, q.issue, q.detail FROM data_quality_flag q JOIN vehicle v ON v.id = q.vehicle_id"
    " ORDER BY v.vin, q.day, q.issue"
)


def _run(
    connect_to: Connect, open_pool: Callable[[], ConnectionPool], *, scenario: Scenario, messages: list
) -> Outcome:
    """Seed, ingest, run one detection pass at END and read back everything; one connection open at a time."""
    with connect_to() as conn:
        seed_fleet(conn, fleet=scenario.fleet)
        written, reasons = _ingest(conn, messages)
        telemetry = conn.execute(_TELEMETRY).fetchall()
        rejects = conn.execute(_REJECTS).fetchall()
    pool = open_pool()
    try:
        # An explicit logger: structlog's capture_logs sees nothing once another test in this process configured
        # logging at WARNING (the level filter stays when capture_logs swaps the processors).
        logs = Recorder()
        report = run_pass(pool, now=END, lookback_days=LOOKBACK_DAYS, refresh_days=LOOKBACK_DAYS, log=logs)
    finally:
        pool.close()
    with connect_to() as conn:
        with conn.cursor(row_factory=dict_row) as cur:
            rollup = cur.execute(_ROLLUP).fetchall()
            risks = cur.execute(_RISKS).fetchall()
        quality = conn.execute(_QUALITY).fetchall()
        homes = {}
        for risk in risks:
            with conn.transaction():  # lock_case locks the risk FOR UPDATE, as notify does per case
                case = lock_case(conn, risk_id=risk["id"], now=END)
            assert case is not None
            homes[risk["vin"], risk["kind"]] = (case.home_lat, case.home_lon, case.home_source)
    modes = [e["mode"] for e in logs.events if e["event"] == "detection.pass"]
    return Outcome(written, reasons, telemetry, rejects, rollup, risks, quality, homes, report, modes)


def _close(a: Any, b: Any, where: str = "") -> None:
    """Assert two values are equal, floats within 1e-6 relative (real columns, averages summed in another order)."""
    if isinstance(a, float) and isinstance(b, float):
        assert math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9), (where, a, b)
    elif isinstance(a, dict) and isinstance(b, dict):
        assert a.keys() == b.keys(), (where, sorted(a), sorted(b))
        for key in a:
            _close(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, list | tuple) and isinstance(b, list | tuple):
        assert len(a) == len(b), (where, a, b)
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _close(x, y, f"{where}[{i}]")
    else:
        assert a == b, (where, a, b)


@pytest.fixture
def postgres_outcome(database: DatabaseSettings, scenario: Scenario, messages: list) -> Outcome:
    """The fixture through plain PostgreSQL, with detection's own pool (make_pool, one connection)."""
    settings = database.model_copy(update={"pool_min": 1, "pool_max": 1})
    return _run(
        lambda: connect(database, autocommit=True),
        lambda: make_pool(settings, name="detection"),
        scenario=scenario,
        messages=messages,
    )


@pytest.fixture
def timescale_outcome(tsdb_migrated, scenario: Scenario, messages: list) -> Outcome:
    """The fixture through the WASM TimescaleDB, in the test's schema (the engine takes one connection at a time)."""

    def search_path(conn: psycopg.Connection) -> None:
        conn.execute(sql.SQL("SET search_path TO {}, public").format(sql.Identifier(tsdb_migrated.schema)))
        conn.commit()

    def open_pool() -> ConnectionPool:
        # detection's make_pool, plus the schema: the engine ignores startup options and resets every session.
        pool = ConnectionPool(
            tsdb_migrated.url, min_size=1, max_size=1, name="detection", kwargs={"row_factory": dict_row},
            configure=search_path, open=False,
        )  # fmt: skip
        pool.open(wait=True, timeout=30)
        return pool

    return _run(tsdb_migrated.connect, open_pool, scenario=scenario, messages=messages)


def _found(outcome: Outcome) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for risk in outcome.risks:
        if risk["status"] == "open":
            found.setdefault(risk["vin"], set()).add(risk["kind"])
    return found


def test_same_fleet_gives_the_same_results_on_both_engines(
    postgres_outcome: Outcome, timescale_outcome: Outcome, scenario: Scenario, messages: list
) -> None:
    pg, ts = postgres_outcome, timescale_outcome

    # Ingest: the same rows stored, the same duplicates dropped, the same rejects recorded.
    assert pg.written["rows"] > 30 * 8 * 4
    assert pg.written == ts.written
    assert pg.written["duplicates"] == SAMPLES_PER_MESSAGE
    reasons = Counter(ts_no_offset=1, out_of_range=1, unknown_signal=1, invalid_json=1, unknown_vehicle=1)
    assert pg.reasons == ts.reasons == reasons
    assert len(pg.telemetry) == pg.written["inserted"] == len(ts.telemetry)
    assert pg.telemetry == ts.telemetry
    assert pg.rejects == ts.rejects and len(pg.rejects) == 5

    # The daily rollup detection reads.
    assert len(pg.rollup) == len(ts.rollup) >= 8 * 30
    _close(pg.rollup, ts.rollup, "telemetry_daily")

    # Detection: the engine each pass ran in, and identical risks with their evidence.
    assert (pg.report.storage_mode, ts.report.storage_mode) == ("postgres", "timescale")
    assert (pg.logged_modes, ts.logged_modes) == (["postgres"], ["timescale"])
    assert pg.report.failed_rules == ts.report.failed_rules == ()
    assert pg.report.rows == ts.report.rows and pg.report.kinds == ts.report.kinds
    keys = ("vin", "kind", "rule_id", "rule_version", "status", "severity", "diagnosis", "predicted_date",
            "predicted_low", "predicted_high", "first_seen_at", "last_seen_at")  # fmt: skip
    assert [tuple(r[k] for k in keys) for r in pg.risks] == [tuple(r[k] for k in keys) for r in ts.risks]
    for a, b in zip(pg.risks, ts.risks, strict=True):
        where = f"{a['vin']}/{a['kind']}"
        _close(a["confidence"], b["confidence"], where)
        assert a["evidence"]["readings"], f"{where}: no evidence readings"
        _close(a["evidence"], b["evidence"], where)
    _close(pg.quality, ts.quality, "data_quality_flag")

    # ... and they are exactly what the scenario injected.
    expected = {vin: {str(k) for k in kinds} for vin, kinds in scenario.expected.items() if kinds}
    # The scenario injects no seasonal-care faults (wipers, tyres, summer, holiday trips) and no trouble codes (those
    # are the lifecycle simulator's, simulators/dtc.py): none may be found either.
    seasonal = {
        RiskKind.WIPERS,
        RiskKind.TYRE_PRESSURE,
        RiskKind.SUMMER_CARE,
        RiskKind.HOLIDAY_TRIP,
        RiskKind.DTC,
    }
    assert {str(k) for kinds in expected.values() for k in kinds} == {
        str(k) for k in set(RULE_KINDS) - seasonal
    }
    assert _found(pg) == expected
    assert _found(ts) == expected

    # Notify's home area of each car (median of its daily mean positions) is the same on both engines.
    assert pg.homes.keys() == ts.homes.keys()
    assert {source for _, _, source in pg.homes.values()} == {"telemetry"}
    _close(pg.homes, ts.homes, "home")
