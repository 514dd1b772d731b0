"""`core.masterdata` against the real database: every entity from CSV and JSON Lines, the bad-file classes, and
the promises: import twice changes nothing, a dry run writes nothing, a bad row writes nothing unless skipped."""

from __future__ import annotations

import psycopg
import pytest

from core.settings import MasterdataSettings
from tests.core.masterdata.conftest import (
    ADVISORS_CSV,
    CALENDAR_CSV,
    CENTERS_CSV,
    STOCK_CSV,
    TECHNICIANS_CSV,
    Importer,
    customers_csv,
    jsonl,
    vehicles_csv,
    vin,
)

MASTER_TABLES = (
    "service_center", "center_calendar_day", "advisor", "technician", "technician_shift", "technician_absence",
    "part", "part_stock", "customer", "customer_consent", "vehicle", "vehicle_ownership",
)  # fmt: skip


def snapshot(conn: psycopg.Connection) -> dict[str, list[tuple]]:
    """Every row of every master-data table, in a stable order."""
    return {t: sorted(map(repr, conn.execute(f"SELECT * FROM {t}").fetchall())) for t in MASTER_TABLES}  # type: ignore[misc]


def count(conn: psycopg.Connection, table: str) -> int:
    return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_a_whole_network_imports_and_a_second_import_changes_nothing(conn, run_import: Importer, network):
    run_import("calendar", CALENDAR_CSV)
    run_import("customers", customers_csv(3))
    first = run_import("vehicles", vehicles_csv(3))
    assert (first.created, first.updated, first.unchanged, first.written) == (3, 0, 0, True)
    center = conn.execute(
        "SELECT name, tz, opening_hours, bays, hourly_rate::text, brands, active FROM service_center"
        " WHERE code = 'HRB01'"
    ).fetchone()
    assert center[0:2] == ("Harbin Daoli 4S", "Asia/Harbin")
    assert center[2]["mon"] == ["08:30", "18:00"] and center[2]["sun"] is None
    assert center[3:] == (6, "380.00", ["Volkswagen", "Audi"], True)
    shifts = conn.execute(
        "SELECT weekday, starts::text, ends::text FROM technician_shift s JOIN technician t ON t.id = s.technician_id"
        " WHERE t.employee_no = 'T-1' ORDER BY 1, 2"
    ).fetchall()
    assert shifts == [(0, "08:00:00", "12:00:00"), (0, "13:00:00", "17:00:00"), (1, "08:00:00", "17:00:00")]
    assert count(conn, "technician_absence") == 1
    assert count(conn, "center_calendar_day") == 4  # a three-day range and one day
    region, customer = conn.execute(
        f"SELECT v.region, c.ref FROM vehicle v JOIN customer c ON c.id = v.customer_id WHERE v.vin = '{vin(1)}'"
    ).fetchone()
    assert (region, customer) == ("harbin", "C1")  # the region of the owner's preferred center
    consent = conn.execute(
        "SELECT channel, granted, source FROM customer_consent cc JOIN customer c ON c.id = cc.customer_id"
        " WHERE c.ref = 'C0' ORDER BY channel"
    ).fetchall()
    assert consent == [("email", False, "import"), ("in_app", True, "import")]

    before = snapshot(conn)
    for entity, text in (
        ("centers", CENTERS_CSV), ("calendar", CALENDAR_CSV), ("advisors", ADVISORS_CSV),
        ("technicians", TECHNICIANS_CSV), ("stock", STOCK_CSV), ("customers", customers_csv(3)),
        ("vehicles", vehicles_csv(3)),
    ):  # fmt: skip
        again = run_import(entity, text)
        assert (again.created, again.updated, again.bad_rows) == (0, 0, 0), (entity, again)
        assert again.unchanged == again.keys > 0
    assert snapshot(conn) == before


def test_jsonl_and_csv_write_the_same_rows(conn, run_import: Importer, network):
    rows = [
        {"ref": "J1", "name": "Json Owner", "email": "j1@example.cn", "consent_email": True,
         "preferred_center_code": "SHA01"},
    ]  # fmt: skip
    assert run_import("customers", jsonl(rows), fmt="jsonl").created == 1
    vehicles = [
        {"vin": vin(7), "brand": "Volkswagen", "model": "ID.4 X", "model_year": 2023, "powertrain": "EV",
         "owner_ref": "J1", "odometer_at_registration_km": 5},
    ]  # fmt: skip
    report = run_import("vehicles", jsonl(vehicles), fmt="jsonl")
    assert (report.created, report.written) == (1, True)
    assert conn.execute(f"SELECT region, brand FROM vehicle WHERE vin = '{vin(7)}'").fetchone() == (
        "shanghai",
        "Volkswagen",
    )
    technicians = [
        {"employee_no": "T-1", "center_code": "HRB01", "name": "Li Lei", "skills": ["general", "electrical"],
         "shifts": [{"weekday": "mon", "starts": "08:00", "ends": "12:00"}, "mon 13:00-17:00", "tue 08:00-17:00"],
         "absences": [{"starts": "2026-12-10T08:00+08:00", "ends": "2026-12-12T18:00+08:00",
                       "reason": "training"}]},
    ]  # fmt: skip
    same = run_import("technicians", jsonl(technicians), fmt="jsonl")
    assert (same.created, same.updated, same.unchanged) == (0, 0, 1)  # the CSV wrote exactly this


def test_a_changed_row_is_updated_and_children_are_replaced(conn, run_import: Importer, network):
    changed = TECHNICIANS_CSV.replace("mon 08:00-12:00; mon 13:00-17:00; tue 08:00-17:00", "wed 09:00-15:00")
    report = run_import("technicians", changed)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    assert report.examples.updated == ["T-1"]
    assert conn.execute("SELECT count(*), min(weekday) FROM technician_shift").fetchone() == (1, 2)
    cleared = run_import("technicians", TECHNICIANS_CSV.replace("wed 09:00-15:00", "-").replace(
        "mon 08:00-12:00; mon 13:00-17:00; tue 08:00-17:00", "-"))  # fmt: skip
    assert cleared.updated == 1 and count(conn, "technician_shift") == 0


def test_closing_a_center_and_changing_an_owner(conn, run_import: Importer, network):
    run_import("customers", customers_csv(2))
    run_import("vehicles", vehicles_csv(2))
    closed = run_import("centers", CENTERS_CSV.replace("Volkswagen,true\n", "Volkswagen,false\n"))
    assert (closed.updated, closed.examples.updated) == (1, ["SHA01"])
    assert conn.execute("SELECT active FROM service_center WHERE code = 'SHA01'").fetchone() == (False,)
    moved = run_import("vehicles", vehicles_csv(2, owner=lambda i: "C1"))
    assert (moved.updated, moved.unchanged) == (1, 1)
    history = conn.execute(
        "SELECT c.ref, o.until IS NULL FROM vehicle_ownership o JOIN vehicle v ON v.id = o.vehicle_id"
        f" JOIN customer c ON c.id = o.customer_id WHERE v.vin = '{vin(0)}' ORDER BY o.since"
    ).fetchall()
    assert history == [("C0", False), ("C1", True)]


def test_dry_run_counts_and_writes_nothing(conn, run_import: Importer, network):
    before = snapshot(conn)
    report = run_import("customers", customers_csv(3), dry_run=True)
    assert (report.created, report.written, report.dry_run) == (3, False, True)
    assert report.examples.created == ["C0", "C1", "C2"]
    changed = run_import("centers", CENTERS_CSV.replace("Harbin Daoli 4S", "Harbin Daoli"), dry_run=True)
    assert (changed.updated, changed.unchanged) == (1, 1)
    assert snapshot(conn) == before


# One bad-file class each: the error names the line and the field, and nothing is written.
BAD_FILES = [
    ("centers", CENTERS_CSV.replace(",tz,", ",zone,"), 1, "tz", "missing required column"),
    ("centers", CENTERS_CSV.replace("Asia/Shanghai", "Asia/Shangai"), 3, "tz", "unknown time zone"),
    ("vehicles", vehicles_csv(2).replace(vin(1), vin(1)[:8] + "X" + vin(1)[9:]), 3, "vin", "bad check digit"),
    ("advisors", ADVISORS_CSV.replace("HRB01", "XXX99"), 2, "center_code", "unknown center 'XXX99'"),
    ("technicians", TECHNICIANS_CSV.replace("mon 13:00", "mon 11:00"), 2, "shifts", "overlapping shifts"),
    ("stock", STOCK_CSV.replace(",4,3,", ",-4,3,"), 2, "on_hand", "negative stock"),
    (
        "stock",
        STOCK_CSV + "HRB01,BAT-12V-AGM70,9,3,\n",
        4,
        "center_code,sku",
        "duplicate key HRB01/BAT-12V-AGM70",
    ),
    ("vehicles", vehicles_csv(2, owner=lambda i: "NOBODY"), 2, "owner_ref", "unknown customer 'NOBODY'"),
]


@pytest.mark.parametrize(("entity", "text", "line", "field", "reason"), BAD_FILES, ids=lambda v: str(v)[:24])
def test_a_bad_file_writes_nothing_and_names_line_and_field(
    conn, run_import: Importer, network, entity, text, line, field, reason
):
    run_import("customers", customers_csv(2))
    before = snapshot(conn)
    report = run_import(entity, text)
    assert not report.written and report.bad_rows >= 1
    hits = [e for e in report.errors if e.line == line and e.field == field and reason in e.reason]
    assert hits, report.errors
    assert any(p.startswith(f"{entity}.csv:{line}: {field}: ") for p in report.problems())
    assert snapshot(conn) == before


def test_an_oversize_file_is_refused_before_reading(conn, run_import: Importer):
    report = run_import("centers", CENTERS_CSV, settings=MasterdataSettings(max_file_mb=0.0001))
    assert (report.written, report.rows, report.bad_rows) == (False, 0, 1)
    assert report.errors[0].line is None and "over the" in report.errors[0].reason
    assert count(conn, "service_center") == 0


def test_skip_bad_writes_only_the_good_rows(conn, run_import: Importer, network):
    run_import("customers", customers_csv(3))
    text = vehicles_csv(3).replace(vin(1), vin(1)[:8] + "X" + vin(1)[9:])
    report = run_import("vehicles", text, skip_bad=True)
    assert (report.written, report.created, report.bad_rows, report.rows) == (True, 2, 1, 3)
    assert [(e.line, e.field) for e in report.errors] == [(3, "vin")]
    assert count(conn, "vehicle") == 2


def test_jsonl_bad_lines(conn, run_import: Importer, network):
    text = '{"sku": "P1", "name": "ok"}\nnot json\n[1]\n{"sku": "P2", "name": "x", "colour": "red"}\n'
    report = run_import("parts", text, fmt="jsonl")
    assert [(e.line, e.field) for e in report.errors] == [(2, None), (3, None), (4, "colour")]
    assert not report.written


def test_a_database_refusal_is_one_error_naming_the_lines(conn, run_import: Importer, network):
    from core.masterdata.engine import ImportFailed

    before = snapshot(conn)
    with pytest.raises(ImportFailed, match=r"parts.jsonl: the database refused a row on lines 1-2: "):
        # PostgreSQL text cannot hold NUL: the record accepts it, the database does not
        run_import(
            "parts", jsonl([{"sku": "P1", "name": "ok"}, {"sku": "P\u0000", "name": "x"}]), fmt="jsonl"
        )
    assert snapshot(conn) == before


def test_records_a_program_built_go_through_the_same_writers(conn):
    from datetime import UTC, datetime

    from core.masterdata.engine import ImportFailed, write_records
    from domain.masterdata import ENTITIES, EntityName
    from domain.masterdata.parts import Part, Stock

    parts = [Part(sku="P1", name="one"), Part(sku="P2", name="two")]
    now = datetime(2026, 12, 1, tzinfo=UTC)
    first = write_records(conn, entity=ENTITIES[EntityName.PARTS], records=parts, now=now, batch_rows=1)
    assert (first.created, first.updated, first.unchanged) == (2, 0, 0)
    again = write_records(conn, entity=ENTITIES[EntityName.PARTS], records=parts, now=now)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    with pytest.raises(ImportFailed, match="stock: record 1: center_code: unknown center 'NOPE'"):
        write_records(conn, entity=ENTITIES[EntityName.STOCK], records=[Stock(center_code="NOPE", sku="P1",
                      on_hand=1)], now=now)  # fmt: skip
    with pytest.raises(ImportFailed, match="duplicate key P1"):
        write_records(conn, entity=ENTITIES[EntityName.PARTS], records=[parts[0], parts[0]], now=now)
