"""Table-driven tests of ingest.decode: every kind of bad input has its reason, and good neighbours survive."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import orjson
import pytest

from core.signals import COLUMNS, TELEMETRY_COLUMNS
from ingest.decode import REASONS, Decoded, Limits, Reject, decode, parse_ts

VIN = "LTEST000000000001"
OTHER_VIN = "LTEST000000000002"
NOW = datetime(2025, 1, 15, 12, 0, tzinfo=UTC)
LIMITS = {"now": NOW, "limits": Limits()}
COL = {c: i for i, c in enumerate(TELEMETRY_COLUMNS[1:])}  # rows carry no vehicle_id
BEFORE = {
    "ts": "2025-01-15T08:00:00+08:00",
    "signals": {"Vehicle.Speed": 50, "Vehicle.Exterior.AirTemperature": -12.5},
}
AFTER = {"ts": "2025-01-15T01:00:00Z", "signals": {"Vehicle.Speed": 0.0}}

# 500 levels: orjson parses it (limit 1024) but cannot serialise it back (limit 254).
NESTED = orjson.loads(b"[" * 500 + b"]" * 500)
TOO_DEEP_TO_STORE = b'"(nested too deep to store)"'


def message(*samples: object, vin: object = VIN, v: object = 1) -> bytes:
    """Return a payload; a NESTED sample or signal value is spliced in as raw JSON (orjson cannot dump it)."""
    body = orjson.dumps({"v": v, "vin": vin, "samples": list(samples)}, default=lambda o: "@NESTED@")
    return body.replace(b'"@NESTED@"', b"[" * 500 + b"]" * 500)


class Deep:
    """Stands for NESTED while building a payload."""


NESTED_SAMPLE = Deep()


def run(payload: bytes, topic_vin: str | None = VIN):
    return decode(topic_vin, payload, **LIMITS)


# (case id, topic VIN, payload, reason): the whole message is refused.
MESSAGE_CASES = [
    ("topic_without_vin", None, message(BEFORE), "bad_topic"),
    ("topic_vin_malformed", "not-a-vin", message(BEFORE), "bad_topic"),
    ("empty", VIN, b"", "empty"),
    ("too_large", VIN, message(*[BEFORE] * 3000), "too_large"),
    ("not_utf8", VIN, b'{"v": 1, "vin": "\xff\xfe"}', "not_utf8"),
    ("truncated_json", VIN, message(BEFORE)[:-5], "invalid_json"),
    ("nan_literal", VIN, message(BEFORE).replace(b"50", b"NaN"), "invalid_json"),
    ("infinity_number", VIN, message(BEFORE).replace(b"50", b"1e999"), "invalid_json"),
    ("top_level_array", VIN, b"[1, 2]", "not_object"),
    ("top_level_string", VIN, b'"hello"', "not_object"),
    ("version_missing", VIN, orjson.dumps({"vin": VIN, "samples": [BEFORE]}), "bad_version"),
    ("version_2", VIN, message(BEFORE, v=2), "bad_version"),
    ("version_as_string", VIN, message(BEFORE, v="1"), "bad_version"),
    ("version_as_bool", VIN, message(BEFORE, v=True), "bad_version"),
    ("vin_missing", VIN, orjson.dumps({"v": 1, "samples": [BEFORE]}), "bad_vin"),
    ("vin_with_letter_o", VIN, message(BEFORE, vin="LTEST00000000000O"), "bad_vin"),
    ("vin_as_number", VIN, message(BEFORE, vin=12345678901234567), "bad_vin"),
    ("vin_mismatch", VIN, message(BEFORE, vin=OTHER_VIN), "vin_mismatch"),
    ("samples_missing", VIN, orjson.dumps({"v": 1, "vin": VIN}), "bad_samples"),
    ("samples_empty", VIN, message(), "bad_samples"),
    ("samples_object", VIN, orjson.dumps({"v": 1, "vin": VIN, "samples": BEFORE}), "bad_samples"),
    ("too_many_samples", VIN, message(*[BEFORE] * 1001), "too_many_samples"),
    # orjson refuses nesting beyond 1024 levels: a bounded-recursion parse, never a stack overflow.
    ("deeply_nested_array", VIN, b"[" * 100_000 + b"]" * 100_000, "invalid_json"),
    (
        "deeply_nested_in_samples",
        VIN,
        b'{"v":1,"vin":"' + VIN.encode() + b'","samples":' + b"[" * 5000,
        "invalid_json",
    ),
]


@pytest.mark.parametrize(
    ("topic_vin", "payload", "reason"), [c[1:] for c in MESSAGE_CASES], ids=[c[0] for c in MESSAGE_CASES]
)
def test_bad_message_is_refused_whole_with_its_reason(topic_vin, payload, reason):
    out = run(payload, topic_vin)
    assert out.rows == []
    assert [(r.reason, r.sample_index, r.fragment) for r in out.rejects] == [(reason, None, None)]


def test_messages_next_to_a_refused_one_are_unaffected():
    outs = [run(message(BEFORE)), run(message(BEFORE, vin=OTHER_VIN)), run(message(AFTER))]
    assert [len(o.rows) for o in outs] == [1, 0, 1]
    assert [len(o.rejects) for o in outs] == [0, 1, 0]


FUTURE = (NOW + timedelta(minutes=6)).isoformat()
BEYOND_RETENTION = (NOW - timedelta(days=400, seconds=1)).isoformat()
# (case id, bad sample, reason): only this sample is dropped.
SAMPLE_CASES = [
    ("sample_number", 5, "sample_not_object"),
    ("sample_string", "x", "sample_not_object"),
    ("sample_array", [BEFORE], "sample_not_object"),
    ("ts_missing", {"signals": {"Vehicle.Speed": 1}}, "ts_missing"),
    ("ts_words", {"ts": "yesterday", "signals": {"Vehicle.Speed": 1}}, "bad_ts"),
    ("ts_epoch_number", {"ts": 1736900000, "signals": {"Vehicle.Speed": 1}}, "bad_ts"),
    ("ts_month_13", {"ts": "2025-13-01T00:00:00Z", "signals": {"Vehicle.Speed": 1}}, "bad_ts"),
    ("ts_date_only", {"ts": "2025-01-15", "signals": {"Vehicle.Speed": 1}}, "bad_ts"),
    ("ts_trailing_newline", {"ts": "2025-01-15T10:00:00Z\n", "signals": {"Vehicle.Speed": 1}}, "bad_ts"),
    ("ts_null", {"ts": None, "signals": {"Vehicle.Speed": 1}}, "bad_ts"),
    ("ts_naive", {"ts": "2025-01-15T08:00:00", "signals": {"Vehicle.Speed": 1}}, "ts_no_offset"),
    ("ts_future", {"ts": FUTURE, "signals": {"Vehicle.Speed": 1}}, "ts_in_future"),
    ("ts_unset_clock", {"ts": "1970-01-01T00:00:00Z", "signals": {"Vehicle.Speed": 1}}, "ts_too_old"),
    ("ts_beyond_retention", {"ts": BEYOND_RETENTION, "signals": {"Vehicle.Speed": 1}}, "ts_too_old"),
    ("sample_nested_garbage", NESTED_SAMPLE, "sample_not_object"),
    ("signals_nested_garbage", {"ts": "2025-01-15T03:00:00Z", "signals": NESTED_SAMPLE}, "no_signals"),
    ("signals_missing", {"ts": "2025-01-15T03:00:00Z"}, "no_signals"),
    ("signals_empty", {"ts": "2025-01-15T03:00:00Z", "signals": {}}, "no_signals"),
    ("signals_array", {"ts": "2025-01-15T03:00:00Z", "signals": [["Vehicle.Speed", 1]]}, "no_signals"),
    # The same instant as BEFORE (08:00+08:00) written in UTC: the first one wins.
    ("duplicate_ts", {"ts": "2025-01-15T00:00:00Z", "signals": {"Vehicle.Speed": 99}}, "duplicate_sample"),
]


@pytest.mark.parametrize(
    ("sample", "reason"), [c[1:] for c in SAMPLE_CASES], ids=[c[0] for c in SAMPLE_CASES]
)
def test_bad_sample_drops_only_that_sample(sample, reason):
    out = run(message(BEFORE, sample, AFTER))
    assert [(r.reason, r.sample_index) for r in out.rejects] == [(reason, 1)]
    deep = sample is NESTED_SAMPLE or (isinstance(sample, dict) and sample.get("signals") is NESTED_SAMPLE)
    assert out.rejects[0].fragment == (TOO_DEEP_TO_STORE if deep else orjson.dumps(sample))
    assert [row[0] for row in out.rows] == [parse_ts(BEFORE["ts"])[0], parse_ts(AFTER["ts"])[0]]
    assert out.rows[0][COL["speed_kmh"]] == 50.0


def test_future_tolerance_and_retention_are_respected():
    near = {"ts": (NOW + timedelta(minutes=4)).isoformat(), "signals": {"Vehicle.Speed": 1}}
    assert len(run(message(near)).rows) == 1
    old = {"ts": (NOW - timedelta(days=399)).isoformat(), "signals": {"Vehicle.Speed": 1}}
    assert len(run(message(old)).rows) == 1
    strict = Limits(max_future=timedelta(minutes=1), max_age=timedelta(days=30))
    out = decode(VIN, message(near, old, AFTER), now=NOW, limits=strict)
    assert [(r.reason, r.sample_index) for r in out.rejects] == [("ts_in_future", 0), ("ts_too_old", 1)]
    assert len(out.rows) == 1


# (case id, bad signal path, value, reason): only this signal is dropped; its sample keeps its other signals.
SIGNAL_CASES = [
    ("unknown_path", "Vehicle.Teleporter.Charge", 1, "unknown_signal"),
    ("not_vss_at_all", "speed", 1, "unknown_signal"),
    ("number_as_string", "Vehicle.Powertrain.TractionBattery.StateOfHealth", "95", "wrong_type"),
    ("bool_for_float", "Vehicle.LowVoltageBattery.CurrentVoltage", True, "wrong_type"),
    ("fraction_for_uint8", "Vehicle.Chassis.Axle.Row1.Wheel.Left.Brake.PadWear", 12.5, "wrong_type"),
    ("object_for_float", "Vehicle.LowVoltageBattery.CurrentVoltage", {"v": 12}, "wrong_type"),
    ("numbers_in_string_list", "Vehicle.Diagnostics.DTCList", ["P0300", 7], "wrong_type"),
    ("soh_above_100", "Vehicle.Powertrain.TractionBattery.StateOfHealth", 100.5, "out_of_range"),
    ("pad_wear_negative", "Vehicle.Chassis.Axle.Row2.Wheel.Right.Brake.PadWear", -1, "out_of_range"),
    ("latitude_91", "Vehicle.CurrentLocation.Latitude", 91.0, "out_of_range"),
    ("odometer_negative", "Vehicle.TraveledDistance", -5, "out_of_range"),
    ("float32_overflow", "Vehicle.LowVoltageBattery.CurrentCurrent", 1e39, "out_of_range"),
    (
        "coolant_level_unknown",
        "Vehicle.Powertrain.CombustionEngine.EngineCoolant.Level",
        "PURPLE",
        "not_allowed",
    ),
    ("nul_in_string", "Vehicle.VehicleIdentification.VIN", "LTEST\u0000", "bad_string"),
    ("soh_140", "Vehicle.Powertrain.TractionBattery.StateOfHealth", 140, "out_of_range"),
    ("pad_wear_minus_5", "Vehicle.Chassis.Axle.Row1.Wheel.Right.Brake.PadWear", -5, "out_of_range"),
    ("nested_garbage_value", "Vehicle.Exterior.AirTemperature", NESTED_SAMPLE, "wrong_type"),
    ("null_value", "Vehicle.Exterior.AirTemperature", None, "wrong_type"),
]


@pytest.mark.parametrize(
    ("path", "value", "reason"), [c[1:] for c in SIGNAL_CASES], ids=[c[0] for c in SIGNAL_CASES]
)
def test_bad_signal_drops_only_that_signal(path, value, reason):
    sample = {"ts": "2025-01-15T02:00:00Z", "signals": {"Vehicle.Speed": 30, path: value}}
    out = run(message(BEFORE, sample, AFTER))
    assert [(r.reason, r.sample_index, r.detail) for r in out.rejects] == [(reason, 1, path)]
    deep = value is NESTED_SAMPLE
    assert out.rejects[0].fragment == (TOO_DEEP_TO_STORE if deep else orjson.dumps({path: value}))
    assert len(out.rows) == 3
    middle = out.rows[1]
    assert middle[COL["speed_kmh"]] == 30.0
    assert middle[-1] is None  # nothing of the bad signal leaked into extra


def test_sample_with_only_bad_signals_stores_no_row():
    sample = {"ts": "2025-01-15T02:00:00Z", "signals": {"Vehicle.Speed": "fast"}}
    out = run(message(BEFORE, sample, AFTER))
    assert len(out.rows) == 2
    assert [r.reason for r in out.rejects] == ["wrong_type"]


def test_good_sample_maps_every_column_and_keeps_the_rest_in_extra():
    signals = {
        "Vehicle.LowVoltageBattery.CurrentVoltage": 10,  # int for a float signal -> float
        "Vehicle.Chassis.Axle.Row1.Wheel.Left.Brake.PadWear": 42.0,  # integral float for uint8 -> int
        "Vehicle.TraveledDistance": 123456789,
        "Vehicle.Powertrain.CombustionEngine.EngineCoolant.Level": "NORMAL",
        "Vehicle.Service.TimeToService": -3600,
        "Vehicle.Exterior.Humidity": 55.5,
        "Vehicle.Diagnostics.DTCList": ["P0300", "U0100"],
        "Vehicle.Body.Windshield.Front.WasherFluid.IsLevelLow": False,
    }
    out = run(message({"ts": "2025-01-15T08:30:00.250+08:00", "signals": signals}))
    assert out.rejects == []
    (row,) = out.rows
    assert len(row) == len(TELEMETRY_COLUMNS) - 1
    assert row[0] == datetime(2025, 1, 15, 0, 30, 0, 250000, tzinfo=UTC)
    lv = row[COL["lv_voltage_v"]]
    pad = row[COL["pad_wear_fl_pct"]]
    assert (lv, type(lv)) == (10.0, float)
    assert (pad, type(pad)) == (42, int)
    assert row[COL["odometer_m"]] == 123456789
    assert row[COL["coolant_level"]] == "NORMAL"
    assert row[COL["service_s"]] == -3600
    assert orjson.loads(row[-1]) == {
        "Vehicle.Exterior.Humidity": 55.5,
        "Vehicle.Diagnostics.DTCList": ["P0300", "U0100"],
        "Vehicle.Body.Windshield.Front.WasherFluid.IsLevelLow": False,
    }
    assert all(
        row[COL[c]] is None
        for c in COLUMNS.values()
        if c not in {"lv_voltage_v", "pad_wear_fl_pct", "odometer_m", "coolant_level", "service_s"}
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-01-15T08:00:00Z", datetime(2025, 1, 15, 8, tzinfo=UTC)),
        ("2025-01-15t08:00:00z", datetime(2025, 1, 15, 8, tzinfo=UTC)),
        ("2025-01-15 08:00:00-05:00", datetime(2025, 1, 15, 13, tzinfo=UTC)),
        # past microseconds: rounded, as PostgreSQL rounds them
        ("2025-01-15T08:00:00.123456789+00:00", datetime(2025, 1, 15, 8, 0, 0, 123457, tzinfo=UTC)),
        ("2025-01-15T08:00:00+0800", datetime(2025, 1, 15, 0, tzinfo=UTC)),
    ],
)
def test_parse_ts_accepts_rfc3339(text, expected):
    assert parse_ts(text) == (expected, None)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("2025-01-15T08:00:00", "ts_no_offset"),
        ("2025-01-15T08:00Z", "bad_ts"),
        ("2025-01-15T24:00:00Z", "bad_ts"),
        ("2025-02-30T08:00:00Z", "bad_ts"),
        ("2025-01-15T08:00:60Z", "bad_ts"),
        ("20250115T080000Z", "bad_ts"),
        (1736928000, "bad_ts"),
        (None, "bad_ts"),
    ],
)
def test_parse_ts_names_what_it_refuses(value, reason):
    assert parse_ts(value) == (None, reason)


def test_a_float_below_single_precision_is_kept_for_the_copy_to_round():
    body = orjson.dumps(
        {"v": 1, "vin": VIN, "samples": [{"ts": "2025-01-15T10:00:00Z", "signals": {"Vehicle.Speed": 1e-60}}]}
    )
    for fast in (True, False):
        out = decode(VIN, body, now=NOW, limits=Limits(), fast=fast)
        assert out.rejects == [] and out.rows[0][COL["speed_kmh"]] == 1e-60


def test_every_reason_used_here_is_declared():
    used = {c[-1] for c in MESSAGE_CASES + SAMPLE_CASES + SIGNAL_CASES}
    assert used <= set(REASONS)
    assert len(used) >= 20


def test_a_retained_replay_is_refused_whole_whatever_it_carries():
    body = orjson.dumps(
        {"v": 1, "vin": VIN, "samples": [{"ts": "2025-01-15T10:00:00Z", "signals": {"Vehicle.Speed": 1}}]}
    )
    assert decode(VIN, body, now=NOW, limits=Limits(), retained=True) == Decoded(
        vin=VIN, rejects=[Reject("retained", "telemetry must be published with retain=0")]
    )
    assert decode(VIN, body, now=NOW, limits=Limits()).rows  # the same message delivered live is stored
