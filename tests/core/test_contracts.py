from __future__ import annotations

import pytest

from core.contracts import telemetry_subscription, telemetry_topic, vin_from_topic
from core.signals import COLUMNS, catalog, check_value


def test_topic_round_trip():
    topic = telemetry_topic("dt/carecast", "LSVAU2180N2183294")
    assert topic == "dt/carecast/LSVAU2180N2183294/telemetry"
    assert vin_from_topic("dt/carecast", topic) == "LSVAU2180N2183294"
    assert vin_from_topic("dt/carecast", "dt/carecast/a/b/telemetry") is None
    assert vin_from_topic("dt/carecast", "other/LSVAU2180N2183294/telemetry") is None
    assert telemetry_subscription("dt/carecast") == "dt/carecast/+/telemetry"


def test_catalog_has_every_mapped_signal():
    cat = catalog()
    assert len(cat) == 58
    assert set(COLUMNS) <= set(cat)
    assert cat["Vehicle.TraveledDistance"].unit == "m"


@pytest.mark.parametrize(
    ("path", "value", "reason"),
    [
        ("Vehicle.Powertrain.TractionBattery.StateOfHealth", 93.5, None),
        ("Vehicle.Powertrain.TractionBattery.StateOfHealth", 140, "out_of_range"),
        ("Vehicle.Chassis.Axle.Row1.Wheel.Left.Brake.PadWear", -5, "out_of_range"),
        ("Vehicle.Chassis.Axle.Row1.Wheel.Left.Brake.PadWear", 12.5, "wrong_type"),
        ("Vehicle.Speed", "fast", "wrong_type"),
        ("Vehicle.Speed", float("nan"), "not_finite"),
        ("Vehicle.Speed", True, "wrong_type"),
        ("Vehicle.Powertrain.CombustionEngine.EngineCoolant.Level", "LOW", None),
        ("Vehicle.Powertrain.CombustionEngine.EngineCoolant.Level", "EMPTY", "not_allowed"),
        ("Vehicle.Service.IsServiceDue", 1, "wrong_type"),
        ("Vehicle.Diagnostics.DTCList", ["P0562"], None),
    ],
)
def test_check_value(path, value, reason):
    assert check_value(catalog()[path], value) == reason
