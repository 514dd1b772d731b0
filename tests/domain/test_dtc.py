"""The DTC catalogue (domain/dtc.py): every code well-formed and explained in both languages, every skill one booking
knows, every part named; and the reported form of a code with its status byte."""

from __future__ import annotations

import re

import pytest

from domain.dtc import (
    SKILLS,
    SYSTEMS,
    DtcReport,
    catalogue,
    describe,
    parse_list,
    parse_report,
    part_names,
)
from domain.vocabulary import LOCALES, Severity
from notify.jobs import JOBS
from simulators.fleet import PARTS, build_fleet

CODES = catalogue()


def test_the_catalogue_covers_all_four_systems_with_real_generic_codes():
    assert 40 <= len(CODES) <= 80
    by_system = {s: [c for c in CODES if c[0] == s] for s in SYSTEMS}
    assert all(len(codes) >= 5 for codes in by_system.values()), {s: len(c) for s, c in by_system.items()}
    for code in ("P0300", "P0171", "P0420", "P0128", "P0562", "C0035", "B0001", "U0100"):
        assert code in CODES
    assert CODES["P0300"].system == "powertrain" and CODES["U0100"].system == "network"


@pytest.mark.parametrize("code", sorted(CODES))
def test_every_entry_is_well_formed(code):
    entry = CODES[code]
    assert entry.code == code and re.fullmatch(r"[PCBU][0-3][0-9A-F]{3}", code)
    assert entry.severity in (Severity.LOW, Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL)
    assert entry.skill in SKILLS
    for locale in LOCALES:
        assert entry.title[locale].strip() and entry.explanation[locale].strip()
    assert re.search(r"[\u4e00-\u9fff]", entry.title["zh-CN"]) and re.search(r"[\u4e00-\u9fff]",
                                                                              entry.explanation["zh-CN"])  # fmt: skip
    assert not re.search(r"[\u4e00-\u9fff]", entry.title["en"] + entry.explanation["en"])
    assert entry.explanation["en"].endswith(".") and entry.explanation["zh-CN"].endswith("。")
    assert set(entry.parts) <= set(part_names()), f"{code} names a part without a name"
    # a code that says stop driving is not a low one
    assert entry.drivable or entry.severity in (Severity.HIGH, Severity.CRITICAL)


def test_skills_are_the_ones_booking_matches_technicians_on():
    technicians = {s for t in build_fleet(7, 10, 0.3).technicians for s in t.skills}
    assert set(SKILLS) == technicians
    assert {job.skill for job in JOBS.values()} <= set(SKILLS)


def test_parts_the_simulator_seeds_keep_their_names():
    shared = set(part_names()) & set(PARTS)
    assert shared and all(part_names()[sku] == PARTS[sku] for sku in shared)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("P0300:88", DtcReport("P0300", pending=False, confirmed=True, mil=True)),
        ("p0171:04", DtcReport("P0171", pending=True, confirmed=False, mil=False)),
        ("C0035:0C", DtcReport("C0035", pending=True, confirmed=True, mil=False)),
        ("U0100", DtcReport("U0100", pending=False, confirmed=True, mil=False)),
        ("P0A80:08", DtcReport("P0A80", pending=False, confirmed=True, mil=False)),
        ("X0300:08", None),
        ("P4300:08", None),
        ("P030:08", None),
        ("P0300:ZZ", None),
        ("P0300:100", None),
    ],
)
def test_a_reported_entry_is_read_with_its_status_byte(text, expected):
    assert parse_report(text) == expected


def test_a_report_round_trips_and_a_list_keeps_one_entry_per_code():
    report = DtcReport("B0001", pending=True, confirmed=True, mil=True)
    assert report.encode() == "B0001:8C" and parse_report(report.encode()) == report
    merged = parse_list(["P0300:04", "junk", "P0300:88", "C0035:08"])
    assert [r.code for r in merged] == ["C0035", "P0300"]
    assert merged[1] == DtcReport("P0300", pending=True, confirmed=True, mil=True)


def test_a_code_outside_the_catalogue_gets_a_generic_explanation():
    entry = describe("P1234")
    assert entry.severity is Severity.MEDIUM and entry.skill == "general" and entry.drivable
    assert "P1234" in entry.title["en"] and "P1234" in entry.title["zh-CN"]
