"""The typed fast path (ingest/typed.py) gives exactly what the per-sample path gives, or steps aside."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.signals import COLUMNS, TELEMETRY_COLUMNS
from ingest.decode import Limits, decode
from ingest.typed import typed_rows

VIN = "LTEST000000000001"
NOW = datetime(2025, 1, 15, 12, 0, tzinfo=UTC)
LIMITS = {"now": NOW, "limits": Limits()}
WINDOW = (NOW - timedelta(days=400), NOW + timedelta(minutes=5))
COL = {c: i - 1 for i, c in enumerate(TELEMETRY_COLUMNS)}  # row positions (rows have no vehicle_id)


def message(samples: list[dict]) -> bytes:
    return orjson.dumps({"v": 1, "vin": VIN, "samples": samples})


def both(body: bytes):
    fast = decode(VIN, body, **LIMITS)
    slow = decode(VIN, body, fast=False, **LIMITS)
    assert fast == slow
    finished = decode(VIN, body, vehicle_id=7, **LIMITS)
    if finished.vehicle_id is None:  # not a clean message: the vehicle id is left to the writer
        assert finished == fast
    else:  # finished COPY rows: the same rows with the vehicle id in front
        assert finished.vehicle_id == 7 and finished.rejects == fast.rejects == []
        assert finished.rows == [(7, *row) for row in fast.rows]
    return fast


def fast(body: bytes):
    return typed_rows(body, vin=VIN, window=WINDOW)


def test_clean_message_of_two_shapes_takes_the_fast_path_in_sample_order():
    samples = [
        {"ts": "2025-01-15T01:00:00Z", "signals": {"Vehicle.Speed": 50, "Vehicle.TraveledDistance": 1200}},
        {"ts": "2025-01-15T09:30:00+08:00", "signals": {"Vehicle.Exterior.AirTemperature": -20.5}},
        {
            "ts": "2025-01-15T02:00:00.25Z",
            "signals": {"Vehicle.Speed": 0.0, "Vehicle.TraveledDistance": 1300},
        },
    ]
    assert fast(message(samples)) is not None
    out = both(message(samples))
    assert [r[0] for r in out.rows] == [
        datetime(2025, 1, 15, 1, tzinfo=UTC),
        datetime(2025, 1, 15, 1, 30, tzinfo=UTC),
        datetime(2025, 1, 15, 2, 0, 0, 250000, tzinfo=UTC),
    ]
    assert out.rows[1][0].utcoffset() == timedelta(hours=8)  # same offset as the per-sample path keeps
    assert out.rows[0][COL["speed_kmh"]] == 50.0 and type(out.rows[0][COL["speed_kmh"]]) is float
    assert out.rows[0][COL["odometer_m"]] == 1200 and type(out.rows[0][COL["odometer_m"]]) is int
    assert out.rows[1][COL["speed_kmh"]] is None and out.rows[1][-1] is None


def test_samples_out_of_order_take_the_fast_path_and_a_repeat_among_them_does_not():
    def sample(ts: str, speed: float) -> dict:
        return {"ts": ts, "signals": {"Vehicle.Speed": speed}}

    shuffled = [sample("2025-01-15T03:00:00Z", 3.0), sample("2025-01-15T01:00:00Z", 1.0)]
    shuffled.append(sample("2025-01-15T10:00:00+08:00", 2.0))  # 02:00 UTC
    assert fast(message(shuffled)) is not None
    assert [r[COL["speed_kmh"]] for r in both(message(shuffled)).rows] == [3.0, 1.0, 2.0]
    repeated = [*shuffled, sample("2025-01-15T09:00:00+08:00", 4.0)]  # 01:00 UTC again
    assert fast(message(repeated)) is None
    assert [r.reason for r in both(message(repeated)).rejects] == ["duplicate_sample"]


def test_anything_unusual_steps_aside_to_the_per_sample_path():
    good = {"ts": "2025-01-15T01:00:00Z", "signals": {"Vehicle.Speed": 50.0}}
    unusual = [
        {"ts": "2025-01-15T01:00:00Z", "signals": {"Vehicle.Speed": 2.0}},  # duplicate
        {"ts": "2025-01-15T01:00:02Z", "signals": {"Vehicle.Speed": float("nan")}},
        {
            "ts": "2025-01-15T01:00:02Z",
            "signals": {"Vehicle.TraveledDistance": 12.0},
        },  # integer sent as float
        {"ts": "2025-01-15T01:00:02Z", "signals": {"Vehicle.Speed": 3.5e38}},  # past single precision
        {"ts": "2025-01-15T01:00:02Z", "signals": {"Vehicle.Speed": True}},
        {"ts": "2025-01-15T01:00:02Z", "signals": {"Vehicle.Speed": None}},
        {
            "ts": "2025-01-15T01:00:02Z",
            "signals": {"Vehicle.Powertrain.CombustionEngine.EngineCoolant.Level": "OK"},
        },
        {
            "ts": "2025-01-15T01:00:02Z",
            "signals": {"Vehicle.Diagnostics.DTCList": ["P0300"]},
        },  # an extra-column signal
        {"ts": "2025-01-15T01:00:02Z", "signals": {"Vehicle.Powertrain.TractionBattery.StateOfHealth": 140}},
        {"ts": "2025-01-15T01:00:02Z", "signals": {"Vehicle.Unknown": 1}},
        {"ts": "2025-01-15T01:00:02Z", "signals": {}},
        {"ts": "2025-01-15T01:00:02", "signals": {"Vehicle.Speed": 1.0}},  # no offset
        {"ts": "2030-01-15T01:00:02Z", "signals": {"Vehicle.Speed": 1.0}},  # future
    ]
    for sample in unusual:
        assert fast(message([good, sample])) is None, sample
        out = both(message([good, sample]))
        assert out.rows[0][COL["speed_kmh"]] == 50.0


numeric_paths = st.sampled_from(sorted(COLUMNS))
values = (
    st.integers(-(2**40), 2**40)
    | st.integers(0, 100)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.floats(-200, 200)
    | st.floats(-1e-30, 1e-30)
    | st.booleans()
    | st.text(max_size=3)
)
stamps = st.sampled_from(
    [
        "2025-01-15T01:00:00Z",
        "2025-01-15T01:00:00+00:00",
        "2025-01-15T09:00:00+08:00",
        "2025-01-15T01:00:00.5Z",
        "2025-01-15T01:00:00.1234567Z",
        "2025-01-15T01:00:00.9999996Z",
        "2025-01-15t09:00:00+0800",
        "2025-01-15 01:00:01Z",
        "2025-01-15T01:00:02",
        "2024-01-01T00:00:00Z",
        "2030-01-01T00:00:00Z",
        "2025-01-15T25:00:00Z",
    ]
)
shapes = st.lists(numeric_paths, min_size=1, max_size=4, unique=True)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), st.lists(shapes, min_size=1, max_size=3))
def test_fast_and_per_sample_paths_agree(data, shape_set):
    samples = []
    for _ in range(data.draw(st.integers(1, 6))):
        shape = data.draw(st.sampled_from(shape_set))
        samples.append({"ts": data.draw(stamps), "signals": {p: data.draw(values) for p in shape}})
    body = orjson.dumps({"v": 1, "vin": VIN, "samples": samples})
    body = body.replace(b"null", b"1e999")  # orjson writes NaN/inf as null; send what a car could send
    both(body)
