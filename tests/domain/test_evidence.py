"""Typed evidence (domain/evidence): stored rows parse and dump back byte for byte, the signals are the VSS
catalog's, the published JSON Schema is the models' and accepts what rules write."""

from __future__ import annotations

import importlib.util
import json
import sys
from datetime import date
from fnmatch import fnmatchcase
from pathlib import Path

import jsonschema
import pytest
from pydantic import ValidationError

from core.signals import catalog
from domain.evidence import (
    EVIDENCE_VERSION,
    MODELS,
    BrakeFluidEvidence,
    BrakePadsEvidence,
    Comparison,
    EvidenceSignal,
    EvidenceVersionError,
    Reading,
    WinterPrepEvidence,
    evidence_signal,
    json_schema,
    parse_evidence,
)
from domain.vocabulary import RiskKind

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = json.loads((Path(__file__).parent / "data" / "evidence_v1.json").read_text("utf-8"))["samples"]
# Shapes written by fixtures and benches rather than rules: a timestamp instead of a day, integer thresholds,
# keys the models do not know, a newer key set to null.
LEGACY = [
    (RiskKind.BATTERY_12V, {"readings": [{"signal": "Vehicle.LowVoltageBattery.CurrentVoltage",
                                          "ts": "2026-11-20T23:41:00Z", "value": 9.31, "threshold": 9.6, "op": "<"}]}),
    (RiskKind.EV_BATTERY_SOH, {"readings": [{"signal": "Vehicle.Powertrain.TractionBattery.StateOfHealth",
                                             "day": "2026-11-19", "value": 81, "threshold": 80, "op": "<"}],
                               "threshold": 80, "trend_per_year": -3.1}),
    (RiskKind.BRAKE_PADS, {"readings": [], "threshold": 80.0, "v": 2, "anomaly": None, "also": []}),
    (RiskKind.WINTER_PREP, {"readings": [{"signal": "x", "day": "2026-11-19", "value": 3.0, "extra": [1, {"a": None}]}],
                            "mean_c": 3, "weak_12v": [], "basis": None}),
    (RiskKind.MAINTENANCE_DUE, {}),
]  # fmt: skip


def _exact(value: object) -> str:
    """JSON text that tells 80 from 80.0 and an absent key from a null one (key order aside, as in jsonb)."""
    return json.dumps(value, sort_keys=True, allow_nan=False)


@pytest.mark.parametrize(
    "sample", SAMPLES, ids=[f"{s['kind']}-{s['diagnosis']}-{i}" for i, s in enumerate(SAMPLES)]
)
def test_what_rules_wrote_parses_and_dumps_back_exactly(sample):
    evidence = parse_evidence(sample["kind"], sample["evidence"])
    assert isinstance(evidence, MODELS[RiskKind(sample["kind"])])
    assert _exact(evidence.to_json()) == _exact(sample["evidence"])
    assert parse_evidence(sample["kind"], evidence.to_json()) == evidence


@pytest.mark.parametrize(("kind", "stored"), LEGACY, ids=[f"{k}-{i}" for i, (k, _) in enumerate(LEGACY)])
def test_older_and_hand_written_shapes_round_trip_too(kind, stored):
    assert _exact(parse_evidence(kind, stored).to_json()) == _exact(stored)


def test_every_kind_has_models_and_every_sample_kind_is_covered():
    assert set(MODELS) == set(RiskKind)
    assert {s["kind"] for s in SAMPLES} == {str(k) for k in RiskKind}


def test_brake_evidence_is_the_pads_unless_it_is_the_fluid_alone():
    fluid = {"readings": [], "level_pct": 68.0, "warn_pct": 80.0, "min_pct": 70.0}
    assert isinstance(parse_evidence(RiskKind.BRAKE_PADS, fluid), BrakeFluidEvidence)
    pads = {"current_wear_pct": 81.0, "also": [fluid]}
    parsed = parse_evidence(RiskKind.BRAKE_PADS, pads)
    assert isinstance(parsed, BrakePadsEvidence) and parsed.also and parsed.also[0].level_pct == 68.0


def test_typed_fields_and_defaults_read_what_old_rows_leave_out():
    ev = parse_evidence(
        RiskKind.WINTER_PREP, {"readings": [{"signal": "x", "day": "2026-11-19", "value": 3.3}]}
    )
    assert isinstance(ev, WinterPrepEvidence)
    assert ev.version == EVIDENCE_VERSION == 1 and ev.op is Comparison.LT and ev.mean_c is None
    assert ev.readings[0].day == date(2026, 11, 19) and ev.readings[0].when == date(2026, 11, 19)
    assert ev.to_json() == {"readings": [{"signal": "x", "day": "2026-11-19", "value": 3.3}]}


def test_a_newer_version_is_refused_and_a_malformed_row_raises():
    with pytest.raises(EvidenceVersionError):
        parse_evidence(RiskKind.WIPERS, {"version": EVIDENCE_VERSION + 1, "readings": []})
    assert parse_evidence(RiskKind.WIPERS, {"version": 1}).to_json() == {"version": 1}
    with pytest.raises(ValidationError):
        parse_evidence(RiskKind.WIPERS, {"readings": [{"value": 3}]})  # a reading names its signal
    with pytest.raises(ValidationError):
        parse_evidence(RiskKind.HOLIDAY_TRIP, {"holiday": "christmas"})
    with pytest.raises(ValueError):
        parse_evidence("no_such_kind", {})


@pytest.mark.parametrize(
    ("op", "value", "threshold", "crossed"),
    [("<", 9.31, 9.6, True), ("<", 82.43, 80.0, False), ("<=", 500, 500, True), (">=", 81, 80, True),
     (">", 80, 80, False), (None, 1, 2, False)],
)  # fmt: skip
def test_a_reading_says_whether_it_crossed_its_threshold(op, value, threshold, crossed):
    reading = Reading(signal=EvidenceSignal.WIPER_WEAR, value=value, threshold=threshold, op=op)
    assert reading.crossed is crossed


def test_evidence_signals_are_catalog_signals_with_the_catalog_unit():
    signals = catalog()
    for member in EvidenceSignal:
        matched = [s for path, s in signals.items() if fnmatchcase(path, member)]
        assert matched, f"{member} names no signal of the VSS catalog"
        assert {s.unit or None for s in matched} == {member.unit}, member
    one_wheel = "Vehicle.Chassis.Axle.Row2.Wheel.Right.Brake.PadWear"
    assert evidence_signal(one_wheel) is EvidenceSignal.BRAKE_PAD_WEAR
    assert Reading(signal=one_wheel).unit == "percent" and Reading(signal="lv_v_min").unit is None


def test_the_published_schema_file_is_the_models_schema():
    spec = importlib.util.spec_from_file_location("evidence_schema", ROOT / "scripts" / "evidence_schema.py")
    script = importlib.util.module_from_spec(spec)
    sys.modules["evidence_schema"] = script
    spec.loader.exec_module(script)
    assert (ROOT / "docs" / "evidence.schema.json").read_text("utf-8") == script.render(), (
        "docs/evidence.schema.json is stale: run `python scripts/evidence_schema.py`"
    )


def test_the_schema_accepts_what_rules_write_and_refuses_wrong_types():
    schema = json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    for sample in SAMPLES:
        validator.validate(sample["evidence"])
    for _, stored in LEGACY:
        validator.validate(stored)
    kinds = {d.get("x-risk-kind") for d in schema["$defs"].values()} - {None}
    assert kinds == {str(k) for k in RiskKind}
    with pytest.raises(jsonschema.ValidationError):
        validator.validate({"readings": [{"signal": "x", "value": "high"}]})
