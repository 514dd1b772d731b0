"""domain/masterdata: a raw row (CSV text or JSON values) becomes a typed record, or RowErrors naming the field."""

from __future__ import annotations

from datetime import date, time

import pytest

from domain.masterdata import (
    ENTITIES,
    DuplicateKeys,
    EntityName,
    RowError,
    header_errors,
    parse_row,
    size_error,
)
from domain.masterdata.centers import CalendarDays, Center
from domain.masterdata.staff import Technician
from domain.vin import vin_check_digit

CENTER = {"code": "HRB01", "name": "Harbin 4S", "city": "Harbin", "region": "harbin", "lat_deg": "45.7",
          "lon_deg": "126.6", "tz": "Asia/Shanghai"}  # fmt: skip
TECH = {"employee_no": "T-1", "center_code": "HRB01", "name": "Li Lei"}
DRAFT = "LSVAU2180N0000042"
VIN = DRAFT[:8] + vin_check_digit(DRAFT) + DRAFT[9:]
VEHICLE = {
    "vin": VIN,
    "brand": "VW",
    "model": "Lavida",
    "model_year": "2021",
    "powertrain": "ICE",
    "owner_ref": "C1",
}


def errors(entity: str, raw: dict) -> list[tuple[str | None, str]]:
    parsed = parse_row(ENTITIES[EntityName(entity)], raw, line=7)
    assert isinstance(parsed, list), parsed
    assert all(e.line == 7 for e in parsed)
    return [(e.field, e.reason) for e in parsed]


def test_csv_text_and_json_values_make_the_same_center():
    from_csv = parse_row(ENTITIES[EntityName.CENTERS], {**CENTER, "mon": "08:30-18:00", "brands": "VW; Audi",
                                                        "active": "false", "bays": "6"}, line=2)  # fmt: skip
    from_json = parse_row(ENTITIES[EntityName.CENTERS], {**CENTER, "lat_deg": 45.7, "lon_deg": 126.6,
                          "mon": ["08:30", "18:00"], "brands": ["VW", "Audi"], "active": False, "bays": 6}, line=2)  # fmt: skip
    assert isinstance(from_csv, Center) and from_csv == from_json
    assert from_csv.opening_hours()["mon"] == ["08:30", "18:00"] and from_csv.opening_hours()["sun"] is None


@pytest.mark.parametrize(
    ("entity", "raw", "field", "reason"),
    [
        ("centers", {**CENTER, "tz": "Asia/Shangai"}, "tz", "unknown time zone 'Asia/Shangai'"),
        ("centers", {**CENTER, "mon": "18:00-08:30"}, "mon", "not after it starts"),
        ("centers", {k: v for k, v in CENTER.items() if k != "name"}, "name", "required"),
        ("vehicles", {**VEHICLE, "vin": DRAFT[:8] + "X" + DRAFT[9:]}, "vin", "bad check digit"),
        ("vehicles", {**VEHICLE, "vin": "LSVAU2180N00000I2"}, "vin", "17 characters"),
        ("vehicles", {**VEHICLE, "powertrain": "STEAM"}, "powertrain", "Input should be"),
        ("technicians", {**TECH, "shifts": "mon 08:00-12:00; mon 11:30-15:00"}, "shifts", "overlapping shifts"),
        ("technicians", {**TECH, "shifts": "monday"}, "shifts", "looks like"),
        ("technicians", {**TECH, "absences": "2026-12-01T08:00/2026-12-02T08:00"}, "absences", "timezone"),
        ("stock", {"center_code": "HRB01", "sku": "P1", "on_hand": "-2"}, "on_hand", "negative stock"),
        ("calendar", {"center_code": "C", "date": "2026-12-03", "until": "2026-12-01", "kind": "closed"}, None,
         "before date"),
        ("customers", {"ref": "C1", "name": "x", "email": "not-an-address"}, "email", "should match pattern"),
        ("visits", {"vin": VIN, "center_code": "C", "external_ref": "W", "visited_at": "2026-11-20T10:00",
                    "work": "maintenance"}, "visited_at", "timezone"),
        ("parts", {"sku": "P1", "name": "x", "colour": "red"}, "colour", "unknown field"),
    ],
)  # fmt: skip
def test_a_bad_value_names_its_field(entity, raw, field, reason):
    found = errors(entity, raw)
    assert any(f == field and reason in r for f, r in found), found


def test_technician_lists_from_csv():
    tech = parse_row(ENTITIES[EntityName.TECHNICIANS], {**TECH, "skills": "general;brakes",
                     "shifts": "mon 08:00-12:00; mon 12:00-16:00",
                     "absences": "2026-12-01T08:00+08:00/2026-12-02T18:00+08:00 annual leave"}, line=2)  # fmt: skip
    assert isinstance(tech, Technician)
    assert tech.skills == ("general", "brakes")
    assert [(s.weekday, s.starts) for s in tech.shifts or ()] == [("mon", time(8)), ("mon", time(12))]
    assert tech.absences is not None and tech.absences[0].reason == "annual leave"
    cleared = parse_row(ENTITIES[EntityName.TECHNICIANS], {**TECH, "shifts": "-"}, line=2)
    assert isinstance(cleared, Technician) and cleared.shifts == () and cleared.absences is None


def test_a_calendar_range_stands_for_each_of_its_days():
    row = CalendarDays(center_code="C", date=date(2026, 12, 30), until=date(2027, 1, 2), kind="closed")
    assert ENTITIES[EntityName.CALENDAR].keys(row) == [("C", date(2026, 12, 30)), ("C", date(2026, 12, 31)),
                                                        ("C", date(2027, 1, 1)), ("C", date(2027, 1, 2))]  # fmt: skip


def test_file_level_checks():
    entity = ENTITIES[EntityName.CENTERS]
    assert header_errors(
        entity, ["code", "name", "city", "region", "lat_deg", "lon_deg", "colour", "code"]
    ) == [
        RowError(1, "tz", "missing required column"),
        RowError(1, "colour", "unknown column"),
        RowError(1, "code", "repeated column"),
    ]
    assert size_error(100, limit=100) is None
    assert size_error(101, limit=100) == RowError(
        None, None, "file is 101 bytes, over the 100-byte limit; split it"
    )
    duplicates = DuplicateKeys(entity)
    center = Center.model_validate(CENTER)
    assert duplicates.check(center, line=2) == []
    assert duplicates.check(center, line=9) == [RowError(9, "code", "duplicate key HRB01 (first on line 2)")]


def test_describe_names_file_line_and_field():
    assert RowError(3, "vin", "bad").describe("v.csv") == "v.csv:3: vin: bad"
    assert RowError(None, None, "too big").describe("v.csv") == "v.csv: too big"


def test_published_schemas_match_the_records():
    import importlib.util
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    spec = importlib.util.spec_from_file_location(
        "masterdata_schemas", root / "scripts" / "masterdata_schemas.py"
    )
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    sys.modules["masterdata_schemas"] = script
    spec.loader.exec_module(script)
    assert script.main(["--check"]) == 0, "docs/schemas is stale: run `python scripts/masterdata_schemas.py`"
