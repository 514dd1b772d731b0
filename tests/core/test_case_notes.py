"""Advisors' notes on cases: only on a case of the advisor's center, never empty or too long, and erased with the
person (together with the plate of their car)."""

from __future__ import annotations

from datetime import UTC, datetime

from core.case_notes import MAX_CHARS, add_note
from core.privacy import erase_person
from tests.api.conftest import add_center, add_customer, add_risk, add_vehicle, vin_for

NOW = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)


def test_a_note_lands_only_on_a_case_of_the_center_and_goes_with_the_person(conn):
    center_a, _ = add_center(conn, code="HRB01")
    center_b, _ = add_center(conn, code="SHA01")
    customer = add_customer(conn, name="Li Na", center_id=center_a)
    vehicle = add_vehicle(conn, vin=vin_for(1), customer_id=customer)
    conn.execute("UPDATE vehicle SET plate = '黑A12345' WHERE id = %s", (vehicle,))
    risk = add_risk(conn, vehicle_id=vehicle)

    note = add_note(conn, risk_id=risk, center_id=center_a, advisor_id=None, body=" mornings only ", now=NOW)
    assert note is not None
    assert add_note(conn, risk_id=risk, center_id=center_b, advisor_id=None, body="x", now=NOW) is None
    assert add_note(conn, risk_id=risk, center_id=center_a, advisor_id=None, body="  ", now=NOW) is None
    too_long = "x" * (MAX_CHARS + 1)
    assert add_note(conn, risk_id=risk, center_id=center_a, advisor_id=None, body=too_long, now=NOW) is None
    assert conn.execute("SELECT body FROM case_note").fetchall() == [("mornings only",)]

    ref = conn.execute("SELECT ref FROM customer WHERE id = %s", (customer,)).fetchone()[0]
    erase_person(conn, ref=ref, now=NOW)
    assert conn.execute("SELECT count(*) FROM case_note").fetchone()[0] == 0
    assert conn.execute("SELECT plate FROM vehicle WHERE id = %s", (vehicle,)).fetchone()[0] is None
