"""Writer integration tests against the real database: one transaction per batch, idempotent, rejects kept."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import psycopg
import pytest

from core.db import connect
from core.settings import DatabaseSettings
from ingest.decode import Limits, decode
from ingest.vehicles import VehicleResolver
from ingest.writer import (
    MAX_REJECTS_PER_MESSAGE,
    REJECT_PAYLOAD_BYTES,
    Received,
    TelemetryWriter,
    message_digest,
    reject_key,
)

VIN = "LTEST000000000001"
UNKNOWN_VIN = "LTEST000000000009"
NOW = datetime(2025, 1, 15, 12, 0, tzinfo=UTC)


def received(vin: str, samples: list, *, topic_vin: str | None = None) -> Received:
    body = orjson.dumps({"v": 1, "vin": vin, "samples": samples})
    topic_vin = topic_vin or vin
    decoded = decode(topic_vin, body, now=NOW, limits=Limits())
    return Received(f"dt/carecast/{topic_vin}/telemetry", body, decoded)


def sample(hour: int, **signals) -> dict:
    return {"ts": f"2025-01-15T{hour:02d}:00:00Z", "signals": signals or {"Vehicle.Speed": float(hour)}}


@pytest.fixture
def writer_conn(database: DatabaseSettings):
    with connect(database, autocommit=True) as c:
        yield c


def test_same_batch_twice_is_stored_once_and_rejects_are_recorded(conn, writer_conn, add_vehicle):
    vehicle_id = add_vehicle(VIN)
    batch = [
        received(
            VIN,
            [
                sample(
                    1, **{"Vehicle.LowVoltageBattery.CurrentVoltage": 12.6, "Vehicle.Exterior.Humidity": 40.0}
                ),
                sample(2, **{"Vehicle.Speed": "fast"}),  # signal reject; sample has nothing else
                {"ts": "2025-01-15T03:00:00", "signals": {"Vehicle.Speed": 1}},  # sample reject
                sample(4),
            ],
        ),
        received(VIN, [sample(4, **{"Vehicle.Speed": 99.0}), sample(5)]),  # 04:00 repeats the first message's
        received(UNKNOWN_VIN, [sample(6)]),
        received(VIN, [sample(7)], topic_vin="LTEST000000000003"),  # vin_mismatch
    ]
    writer = TelemetryWriter(resolver=VehicleResolver(unknown_ttl_s=60))

    first = writer.write(writer_conn, batch=batch)
    assert (first.rows, first.inserted, first.duplicates) == (4, 3, 1)
    assert first.rejects == 4  # wrong_type, ts_no_offset, unknown_vehicle, vin_mismatch

    second = writer.write(writer_conn, batch=batch)
    assert (second.rows, second.inserted, second.duplicates) == (4, 0, 4)
    assert (second.rejects, second.reject_duplicates, second.reasons) == (0, 4, {})

    stored = conn.execute(
        "SELECT vehicle_id, extract(hour FROM ts AT TIME ZONE 'UTC')::int, speed_kmh, lv_voltage_v, extra"
        " FROM telemetry ORDER BY ts"
    ).fetchall()
    assert stored == [
        (vehicle_id, 1, None, pytest.approx(12.6), {"Vehicle.Exterior.Humidity": 40.0}),
        (vehicle_id, 4, 4.0, None, None),  # first write wins
        (vehicle_id, 5, 5.0, None, None),
    ]
    rejects = conn.execute(
        "SELECT reason, vin, sample_index, detail, payload FROM ingest_reject ORDER BY id"
    ).fetchall()
    reasons = [r[0] for r in rejects]
    # The redelivered batch recorded no reject a second time.
    assert sorted(reasons) == ["ts_no_offset", "unknown_vehicle", "vin_mismatch", "wrong_type"]
    by_reason = {r[0]: r for r in rejects}
    assert by_reason["wrong_type"][1:4] == (VIN, 1, "Vehicle.Speed")
    assert orjson.loads(bytes(by_reason["wrong_type"][4])) == {"Vehicle.Speed": "fast"}
    assert by_reason["unknown_vehicle"][1] == UNKNOWN_VIN
    assert bytes(by_reason["unknown_vehicle"][4]) == batch[2].payload


def test_reject_payload_is_truncated_and_nul_in_text_is_stored(conn, writer_conn):
    big = b"{" + b"x" * 100_000
    bad_key = orjson.dumps(
        {"v": 1, "vin": VIN, "samples": [{"ts": "2025-01-15T01:00:00Z", "signals": {"A\x00": 1}}]}
    )
    batch = [
        Received("dt/carecast/x/telemetry", big, decode(None, big, now=NOW, limits=Limits(max_bytes=10**6))),
        Received("dt/\x00/telemetry", bad_key, decode(VIN, bad_key, now=NOW, limits=Limits(max_bytes=10**6))),
    ]
    result = TelemetryWriter(resolver=VehicleResolver(unknown_ttl_s=60)).write(writer_conn, batch=batch)
    assert (result.rows, result.rejects) == (0, 2)
    rows = conn.execute(
        "SELECT reason, topic, detail, length(payload) FROM ingest_reject ORDER BY id"
    ).fetchall()
    assert rows[0] == ("bad_topic", "dt/carecast/x/telemetry", None, REJECT_PAYLOAD_BYTES)
    assert rows[1][:3] == ("unknown_signal", "dt/\\u0000/telemetry", "A\\u0000")


def test_a_failed_batch_leaves_nothing_behind(conn, writer_conn, add_vehicle):
    add_vehicle(VIN)
    writer = TelemetryWriter(resolver=VehicleResolver(unknown_ttl_s=60))
    conn.execute("ALTER TABLE telemetry ADD CONSTRAINT test_speed_limit CHECK (speed_kmh < 100)")
    batch = [
        received(VIN, [sample(1), sample(2, **{"Vehicle.Speed": 150.0})]),
        received(VIN, [sample(3, **{"Vehicle.Speed": "x"})]),
    ]
    with pytest.raises(psycopg.errors.CheckViolation):
        writer.write(writer_conn, batch=batch)
    assert conn.execute("SELECT count(*) FROM telemetry").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM ingest_reject").fetchone()[0] == 0
    conn.execute("ALTER TABLE telemetry DROP CONSTRAINT test_speed_limit")
    assert writer.write(writer_conn, batch=batch).inserted == 2  # same connection, staging is clean again


def test_resolver_caches_unknown_vins_briefly(conn, writer_conn, add_vehicle):
    clock = [0.0]
    resolver = VehicleResolver(unknown_ttl_s=30, clock=lambda: clock[0])
    known = add_vehicle(VIN)
    assert resolver.resolve(writer_conn, vins=[VIN, UNKNOWN_VIN]) == {VIN: known}
    late = add_vehicle(UNKNOWN_VIN)
    assert resolver.resolve(writer_conn, vins=[UNKNOWN_VIN]) == {}  # still remembered as unknown
    clock[0] = 31.0
    assert resolver.resolve(writer_conn, vins=[UNKNOWN_VIN, VIN]) == {UNKNOWN_VIN: late, VIN: known}


def test_reject_key_is_stable_and_tells_every_identifying_field_apart():
    message = message_digest("dt/carecast/V/telemetry", b'{"v":1}')
    base = (message, "wrong_type", "Vehicle.Speed", 3)
    assert reject_key(*base) == reject_key(*base)
    variants = [
        (message_digest("dt/carecast/W/telemetry", b'{"v":1}'), *base[1:]),
        (message_digest("dt/carecast/V/telemetry", b'{"v":1} '), *base[1:]),
        (message, "out_of_range", *base[2:]),
        (message, base[1], "Vehicle.Exterior.AirTemperature", base[3]),
        (message, base[1], None, base[3]),
        (*base[:3], 4),
        (*base[:3], None),
        # Fields are separated: moving a character from one to the next changes the key.
        (message, "wrong_typeV", "ehicle.Speed", 3),
    ]
    keys = {reject_key(*v) for v in variants}
    assert len(keys) == len(variants) and reject_key(*base) not in keys
    big = b"x" * (REJECT_PAYLOAD_BYTES + 10)
    assert message_digest("t", big) != message_digest("t", big[:-1])  # beyond the stored payload too
    assert message_digest("ab", b"c") != message_digest("a", b"bc")


def test_two_messages_with_the_same_bad_fragment_are_two_rejects_and_a_redelivery_is_none(
    conn, writer_conn, add_vehicle
):
    """Every refusal is a row: the same bad signal in two different messages (other timestamps) is kept twice."""
    add_vehicle(VIN)
    bad = {"Vehicle.Speed": "fast"}
    first = received(VIN, [sample(1, **bad), sample(2)])
    second = received(VIN, [sample(1, **bad), sample(3)])
    assert first.decoded.rejects[0].fragment == second.decoded.rejects[0].fragment  # the same bad fragment
    writer = TelemetryWriter(resolver=VehicleResolver(unknown_ttl_s=60))
    assert writer.write(writer_conn, batch=[first, second]).rejects == 2
    again = writer.write(writer_conn, batch=[first, second])  # the broker delivers both again
    assert (again.rejects, again.reject_duplicates) == (0, 2)
    assert conn.execute("SELECT count(*) FROM ingest_reject").fetchone()[0] == 2


def test_one_message_writes_at_most_the_cap_of_reject_rows_and_a_summary(conn, writer_conn, add_vehicle):
    """A 247 KB message of 23,500 unknown signals once wrote 23,500 rows; now the cap plus one summary row."""
    add_vehicle(VIN)
    unknown = {f"x{i:x}": 1 for i in range(23_500)}
    flood = received(VIN, [sample(1, **{"Vehicle.Speed": 5.0, **unknown})])
    assert len(flood.decoded.rejects) == 23_500 and len(flood.payload) < 256 * 1024
    writer = TelemetryWriter(resolver=VehicleResolver(unknown_ttl_s=60))
    result = writer.write(writer_conn, batch=[flood])
    assert result.inserted == 1  # the good signal of the sample is kept
    assert result.rejects == MAX_REJECTS_PER_MESSAGE + 1
    assert result.reasons == {"unknown_signal": MAX_REJECTS_PER_MESSAGE, "too_many_rejects": 1}
    summary = conn.execute("SELECT detail FROM ingest_reject WHERE reason = 'too_many_rejects'").fetchone()[0]
    assert (
        summary
        == f"{23_500 - MAX_REJECTS_PER_MESSAGE} more rejects not stored one by one: unknown_signal=23450"
    )
    assert writer.write(writer_conn, batch=[flood]).rejects == 0  # redelivered: nothing new


def test_rows_finished_by_the_decoder_and_rows_left_to_the_writer_are_both_stored(
    conn, writer_conn, add_vehicle
):
    known, other = add_vehicle(VIN), add_vehicle(UNKNOWN_VIN)
    finished = received(VIN, [sample(1), sample(2)])
    body = finished.payload
    finished.decoded = decode(VIN, body, now=NOW, limits=Limits(), vehicle_id=known)
    assert finished.decoded.vehicle_id == known and finished.decoded.rows[0][0] == known
    batch = [finished, received(UNKNOWN_VIN, [sample(1)])]
    result = TelemetryWriter(resolver=VehicleResolver(unknown_ttl_s=60)).write(writer_conn, batch=batch)
    assert (result.rows, result.inserted, result.rejects) == (3, 3, 0)
    stored = conn.execute("SELECT vehicle_id, speed_kmh FROM telemetry ORDER BY vehicle_id, ts").fetchall()
    assert stored == [(known, 1.0), (known, 2.0), (other, 1.0)]
