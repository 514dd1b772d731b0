"""Low brake fluid is a brake risk: a leak is flagged before the MIN mark, a full reservoir is not."""

from __future__ import annotations

from detection.rules import brakes


def _pads(i: int) -> float:
    return 30.0 + 0.05 * i


def test_leak_is_flagged_before_the_min_mark(daily, now):
    frame = daily(1, days=40, end=now, pad_wear_max=_pads, brake_fluid_min=lambda i: 96.0 - 0.6 * i,
                  odometer_max_m=lambda i: 1e7 + 40_000 * i)  # fmt: skip
    flags = brakes.evaluate(frame, now=now, params=brakes.Params()).flags
    assert [f.diagnosis for f in flags] == ["low_brake_fluid"]
    assert flags[0].evidence.days_to_min is not None and flags[0].evidence.days_to_min < 30


def test_full_reservoir_with_worn_pads_is_only_a_pad_risk(daily, now):
    frame = daily(2, days=40, end=now, pad_wear_max=lambda i: 70.0 + 0.3 * i, brake_fluid_min=91.0,
                  odometer_max_m=lambda i: 1e7 + 40_000 * i)  # fmt: skip
    flags = brakes.evaluate(frame, now=now, params=brakes.Params()).flags
    assert [f.diagnosis for f in flags] == ["pads_worn"]
    assert "also" not in flags[0].evidence.to_json()


def test_steady_fluid_and_fresh_pads_are_cleared(daily, now):
    frame = daily(3, days=40, end=now, pad_wear_max=_pads, brake_fluid_min=94.0,
                  odometer_max_m=lambda i: 1e7 + 40_000 * i)  # fmt: skip
    res = brakes.evaluate(frame, now=now, params=brakes.Params())
    assert res.flags == () and res.cleared_vehicle_ids == {3}


def test_both_findings_keep_the_pads_first_and_the_fluid_in_evidence(daily, now):
    frame = daily(4, days=40, end=now, pad_wear_max=lambda i: 70.0 + 0.3 * i, brake_fluid_min=75.0,
                  odometer_max_m=lambda i: 1e7 + 40_000 * i)  # fmt: skip
    (flag,) = brakes.evaluate(frame, now=now, params=brakes.Params()).flags
    assert flag.diagnosis == "pads_worn" and flag.evidence.also[0].level_pct == 75.0
