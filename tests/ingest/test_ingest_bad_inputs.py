"""The bad-input catalog end to end: every kind goes through the broker into a running ingester, becomes a reject
row (machine-readable reason, truncated payload), is acked and counted in the Prometheus metrics, while the good
samples travelling with it are stored and the ingester keeps running."""

from __future__ import annotations

import urllib.request
from datetime import UTC, datetime, timedelta

import orjson

from tests.conftest import free_port, wait_for
from tests.ingest.conftest import payload, stamp

VIN = "LTEST00000000000C"
OTHER = "LTEST00000000000D"
UNKNOWN = "LTEST00000000000U"
MAX_BYTES = 131072
GOOD = {"ts": stamp(0), "signals": {"Vehicle.Speed": 10.0}}


def good(minute: int) -> dict:
    return {"ts": stamp(minute), "signals": {"Vehicle.Speed": float(minute)}}


def signal_sample(minute: int, path: str, value: object) -> dict:
    """A sample with one good signal and one bad one: the row is stored without the bad signal."""
    return {"ts": stamp(minute), "signals": {"Vehicle.Exterior.AirTemperature": -3.0, path: value}}


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def whole_message_cases(root: str) -> list[tuple[str, bytes, str]]:
    """(topic, payload, reason) of messages refused whole."""
    topic = f"{root}/{VIN}/telemetry"
    envelope = b'{"v":1,"vin":"' + VIN.encode() + b'","samples":'
    return [
        (topic, b'{"v": 1, "vin": ', "invalid_json"),
        (topic, b"\xff\xfe\x00garbage", "not_utf8"),
        (topic, b"", "empty"),
        (topic, b"{" + b" " * MAX_BYTES + b"}", "too_large"),
        (topic, b"[1, 2, 3]", "not_object"),
        (topic, orjson.dumps({"v": 2, "vin": VIN, "samples": [GOOD]}), "bad_version"),
        (topic, orjson.dumps({"v": 1, "samples": [GOOD]}), "bad_vin"),
        (topic, payload(OTHER, [GOOD]), "vin_mismatch"),
        (f"{root}/not-a-vin/telemetry", payload(VIN, [GOOD]), "bad_topic"),
        (topic, payload(VIN, []), "bad_samples"),
        (topic, payload(VIN, [good(m) for m in range(1001)]), "too_many_samples"),
        (topic, nested(50_000), "invalid_json"),  # within the size limit, beyond the parser depth
        (topic, envelope + nested(600) + b"}", "sample_not_object"),
        (f"{root}/{UNKNOWN}/telemetry", payload(UNKNOWN, [GOOD]), "unknown_vehicle"),
    ]


def mixed_message(now: datetime) -> tuple[bytes, list[str], int]:
    """One message with good samples between bad samples and bad signals: (payload, reasons, good rows)."""
    bad_samples = [
        ({"signals": {"Vehicle.Speed": 1.0}}, "ts_missing"),
        ({"ts": "tomorrow", "signals": {"Vehicle.Speed": 1.0}}, "bad_ts"),
        ({"ts": stamp(3)[:19], "signals": {"Vehicle.Speed": 1.0}}, "ts_no_offset"),
        ({"ts": (now + timedelta(hours=2)).isoformat(), "signals": {"Vehicle.Speed": 1.0}}, "ts_in_future"),
        ({"ts": (now - timedelta(days=401)).isoformat(), "signals": {"Vehicle.Speed": 1.0}}, "ts_too_old"),
        ({"ts": stamp(1), "signals": {"Vehicle.Speed": 99.0}}, "duplicate_sample"),  # minute 1 comes first
        ("not a sample", "sample_not_object"),
        ({"ts": stamp(7), "signals": {}}, "no_signals"),
    ]
    bad_signals = [
        ("Vehicle.Teleporter.Charge", 1, "unknown_signal"),
        ("Vehicle.Speed", "fast", "wrong_type"),
        ("Vehicle.Powertrain.TractionBattery.StateOfHealth", 140.0, "out_of_range"),
        ("Vehicle.Chassis.Axle.Row1.Wheel.Left.Brake.PadWear", -5, "out_of_range"),
        ("Vehicle.Powertrain.CombustionEngine.EngineCoolant.Level", "PURPLE", "not_allowed"),
        ("Vehicle.VehicleIdentification.VIN", "NUL\u0000", "bad_string"),
    ]
    samples: list[object] = [good(1)]
    reasons: list[str] = []
    for sample, reason in bad_samples:
        samples.append(sample)
        reasons.append(reason)
    for minute, (path, value, reason) in enumerate(bad_signals, start=100):
        samples.append(signal_sample(minute, path, value))
        reasons.append(reason)
    samples.append(good(2))
    return payload(VIN, samples), reasons, 2 + len(bad_signals)


def test_every_kind_of_bad_input_is_rejected_acked_counted_and_good_samples_survive(
    conn, add_vehicle, ingest_settings, start_ingester, publisher
):
    add_vehicle(VIN)
    add_vehicle(OTHER)
    settings = ingest_settings.tuned(
        max_payload_bytes=MAX_BYTES, metrics_port=free_port(), metrics_host="127.0.0.1"
    )
    ingester = start_ingester(settings)
    root = settings.mqtt.topic_root
    whole = whole_message_cases(root)
    mixed, mixed_reasons, mixed_rows = mixed_message(datetime.now(UTC))
    for topic, body, _ in whole:
        publisher.send(VIN, body, topic=topic)
    publisher.send(VIN, mixed)
    publisher.send(VIN, payload(VIN, [good(500)]))  # after all that, the ingester still stores good data

    wait_for(lambda: ingester.counters.acked == len(whole) + 2, timeout=30, what="every message acked")
    expected = sorted([r for _, _, r in whole] + mixed_reasons)
    stored = conn.execute("SELECT reason, topic, vin, payload FROM ingest_reject ORDER BY id").fetchall()
    assert sorted(r[0] for r in stored) == expected, sorted(r[0] for r in stored)
    assert len({r for r in expected}) >= 20
    assert conn.execute("SELECT count(*) FROM telemetry").fetchone()[0] == mixed_rows + 1
    # The bad signals' samples are stored without them (their AirTemperature survives).
    assert conn.execute("SELECT count(*) FROM telemetry WHERE air_temp_c = -3.0").fetchone()[0] == 6

    by_reason = {}
    for reason, topic, vin, body in stored:
        by_reason.setdefault(reason, (topic, vin, bytes(body) if body is not None else None))
    topic, vin, body = by_reason["too_large"]
    assert (vin, len(body)) == (VIN, 4096)  # the raw payload, truncated
    assert by_reason["bad_topic"][:2] == (f"{root}/not-a-vin/telemetry", None)
    assert by_reason["invalid_json"][2] == b'{"v": 1, "vin": '
    assert orjson.loads(by_reason["ts_too_old"][2])["signals"] == {
        "Vehicle.Speed": 1.0
    }  # the offending sample

    metrics = ingester.metrics.registry
    for reason in set(expected):
        value = metrics.get_sample_value("carecast_ingest_rejects_total", {"reason": reason})
        assert value == expected.count(reason), reason
    assert metrics.get_sample_value("carecast_ingest_messages_total") == len(whole) + 2
    assert metrics.get_sample_value("carecast_ingest_rows_total", {"result": "inserted"}) == mixed_rows + 1
    with urllib.request.urlopen(f"http://127.0.0.1:{ingester.metrics_port}/metrics", timeout=5) as response:
        text = response.read().decode()
    assert 'carecast_ingest_rejects_total{reason="vin_mismatch"} 1.0' in text
    assert "carecast_ingest_batch_seconds_bucket" in text
    assert "carecast_ingest_queue_depth 0.0" in text
