"""`carecast import visits`: rows become ServiceVisits handed to the service history; its refusals are bad rows."""

from __future__ import annotations

from tests.core.masterdata.conftest import Importer, customers_csv, vehicles_csv, vin

VISITS_CSV = """\
vin,center_code,external_ref,visited_at,work,odometer_km,parts,technician_employee_no
{v0},HRB01,WO-1,2026-11-20T10:00+08:00,maintenance;tyres,15000,BAT-12V-AGM70,T-1
{v1},HRB01,WO-2,2026-11-21T10:00+08:00,inspection,,,
"""


def test_visits_are_recorded_once(conn, run_import: Importer, network):
    run_import("customers", customers_csv(2))
    run_import("vehicles", vehicles_csv(2))
    text = VISITS_CSV.format(v0=vin(0), v1=vin(1))
    first = run_import("visits", text)
    assert (first.created, first.bad_rows, first.written) == (2, 0, True), first
    assert conn.execute("SELECT count(*) FROM service_visit").fetchone() == (2,)
    again = run_import("visits", text)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


def test_a_visit_the_service_history_refuses_is_a_bad_row(conn, run_import: Importer, network):
    run_import("customers", customers_csv(1))
    run_import("vehicles", vehicles_csv(1))
    text = VISITS_CSV.format(v0=vin(0), v1=vin(5))  # the second vehicle was never imported
    report = run_import("visits", text)
    assert not report.written
    assert [(e.line, e.field) for e in report.errors] == [(3, "vin")]
    assert conn.execute("SELECT count(*) FROM service_visit").fetchone() == (0,)
