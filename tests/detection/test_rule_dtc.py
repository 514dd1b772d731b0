"""dtc rule: pending vs confirmed codes, glitches, repeats, the MIL, self-clearing codes and a workshop clear."""

from __future__ import annotations

from datetime import timedelta

import pytest

from detection.rules import dtc
from domain.evidence import DtcEvidence
from domain.vocabulary import RiskKind, Severity

P = dtc.Params()


def _lists(*days: str | None) -> list[str | None]:
    """The day's DTC list text per row, oldest first (None: no list reported)."""
    return list(days)


def _run(daily, now, codes):  # noqa: ANN001, ANN202
    return dtc.evaluate(daily(1, days=len(codes), dtc_codes=codes), now=now, params=P)


def test_a_confirmed_code_with_the_mil_is_flagged_high(daily, now):
    res = _run(daily, now, _lists("", "", "P0171:04", "P0171:88"))
    (flag,) = res.flags
    assert flag.kind is RiskKind.DTC and flag.diagnosis == "dtc_mil" and flag.severity is Severity.HIGH
    assert isinstance(flag.evidence, DtcEvidence) and flag.evidence.mil_on and flag.evidence.drivable
    (code,) = flag.evidence.codes
    assert (code.code, code.confirmed, code.mil, code.days_seen) == ("P0171", True, True, 2)
    assert code.first_seen == (now - timedelta(days=1)).date() and code.last_seen == now.date()
    assert flag.evidence.skill == "general" and [r.value for r in flag.evidence.readings] == [0, 0, 1, 1]


def test_pending_then_confirmed_without_mil_keeps_the_catalogue_severity(daily, now):
    (flag,) = _run(daily, now, _lists("C0035:04", "C0035:08")).flags
    assert flag.diagnosis == "dtc_confirmed" and flag.severity is Severity.MEDIUM
    assert flag.evidence.skill == "brakes"


def test_a_code_the_car_should_not_be_driven_with_says_so(daily, now):
    (flag,) = _run(daily, now, _lists("", "P0300:88")).flags
    assert flag.evidence.drivable is False and flag.severity is Severity.HIGH


@pytest.mark.parametrize(
    ("case", "codes"),
    [
        ("one pending glitch, then clean", _lists("", "P0130:04", "", "")),
        ("one pending glitch today", _lists("", "", "P0130:04")),
        ("two glitches of different codes", _lists("P0130:04", "", "U0100:04", "")),
        ("a self-clearing code seen twice", _lists("P0457:04", "", "P0457:04", "")),
        ("a code seen twice, long ago", _lists("P0130:04", "P0130:04", *[""] * 10)),
        ("no codes at all", _lists("", "", "", "")),
    ],
)
def test_transient_glitches_raise_nothing_and_the_car_is_judged(daily, now, case, codes):
    res = _run(daily, now, codes)
    assert res.flags == () and res.evaluated_vehicle_ids == {1}, case


def test_a_pending_code_that_keeps_coming_back_is_flagged_before_it_is_confirmed(daily, now):
    (flag,) = _run(daily, now, _lists("", "P0301:04", "", "P0301:04", "")).flags
    # P0301 is high in the catalogue: one step down while only pending
    assert flag.diagnosis == "dtc_recurring" and flag.severity is Severity.MEDIUM
    assert flag.evidence.codes[0].days_seen == 2 and not flag.evidence.codes[0].confirmed


def test_a_self_clearing_code_needs_a_third_occurrence(daily, now):
    (flag,) = _run(daily, now, _lists("P0457:04", "", "P0457:04", "P0457:04")).flags
    assert flag.diagnosis == "dtc_recurring"


def test_a_workshop_clear_ends_the_risk_and_what_came_before(daily, now):
    cleared = _run(daily, now, _lists("P0420:04", "P0420:88", "P0420:88", "", ""))
    assert cleared.flags == () and cleared.cleared_vehicle_ids == {1}
    # the same code pending once after the clear is a fresh start, not its third occurrence
    again = _run(daily, now, _lists("P0420:04", "P0420:88", "", "P0420:04", ""))
    assert again.flags == ()


def test_the_worst_code_leads(daily, now):
    (flag,) = _run(daily, now, _lists("P0457:08", "P0457:08 P0217:88")).flags
    assert [c.code for c in flag.evidence.codes] == ["P0217", "P0457"]
    assert flag.severity is Severity.CRITICAL and flag.evidence.drivable is False


def test_a_car_without_a_recent_list_is_not_judged(daily, now):
    res = _run(daily, now, _lists("P0300:88", "P0300:88", None, None, None, None))
    assert res.flags == () and res.evaluated_vehicle_ids == frozenset()
    assert _run(daily, now, [None] * 5).evaluated_vehicle_ids == frozenset()


def test_malformed_entries_are_ignored_and_unknown_codes_get_a_generic_entry(daily, now):
    assert _run(daily, now, _lists("", "X9999:88 P03:08")).flags == ()
    (flag,) = _run(daily, now, _lists("", "P1234")).flags  # a bare code is a confirmed one
    assert flag.diagnosis == "dtc_confirmed" and flag.severity is Severity.MEDIUM
