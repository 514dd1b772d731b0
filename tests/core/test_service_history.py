"""The service history on the real database: visits from the dealer system are recorded once, bad ones are reported
without dropping their neighbours, and a visit changes what Carecast does next (last visit, outreach, a fixed risk
verified by telemetry as after a booking). Carecast's own completed bookings join the history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from api.store import bookings as booking_store
from core.service_history import record_visits
from domain.service_visit import ServiceVisit, VisitProblemCode, VisitSource, WorkCode
from domain.workdays import ChinaCalendar
from notify.aftercare import run_aftercare
from notify.booking import BookingPolicy
from notify.job import run_pass
from tests.notify.test_notify_outbox import LOG
from tests.notify.test_notify_repository import NOW, seed_car, seed_reference

VIN = "LGWEF4A59NH000123"
OTHER_VIN = "LGWEF4A59NH000999"  # valid, but no such car


def visit(ref: str = "WO-1", **changes) -> ServiceVisit:
    fields = {
        "vin": VIN, "center_code": "HRB1", "external_ref": ref, "visited_at": NOW - timedelta(days=1),
        "work": (WorkCode.BRAKE_PADS,), "odometer_km": 42_000, "parts": ("BRK-PAD-FRONT",),
    }  # fmt: skip
    return ServiceVisit(**(fields | changes))


@pytest.fixture
def car(conn: psycopg.Connection) -> dict[str, int]:
    ids = seed_reference(conn)
    conn.execute("UPDATE technician SET employee_no = 'HRB1-001' WHERE id = %s", (ids["张师傅"],))
    conn.execute("UPDATE technician SET employee_no = 'HRB2-001' WHERE id = %s", (ids["王师傅"],))
    return ids | seed_car(conn, vin=VIN, kind="brake_pads", preferred=ids["HRB1"])


def _case(conn: psycopg.Connection) -> tuple:
    return conn.execute(
        "SELECT k.stage, k.outcome, k.serviced_at, k.close_reason, r.status FROM care_case k"
        " JOIN risk r ON r.id = k.risk_id"
    ).fetchone()


def test_same_visit_twice_changes_nothing_and_a_correction_updates(conn, car) -> None:
    first = record_visits(conn, [visit(technician_employee_no="HRB1-001")], now=NOW)
    assert (first.created, first.updated, first.unchanged, first.problems) == (1, 0, 0, ())
    again = record_visits(conn, [visit(technician_employee_no="HRB1-001")], now=NOW)
    assert (again.created, again.updated, again.unchanged, again.cases_serviced) == (0, 0, 1, 0)
    fixed = record_visits(conn, [visit(work=(WorkCode.BRAKE_PADS, WorkCode.BRAKE_FLUID))], now=NOW)
    assert (fixed.created, fixed.updated) == (0, 1)
    rows = conn.execute(
        "SELECT source, external_ref, work, parts, technician_id FROM service_visit"
    ).fetchall()
    assert rows == [("dms", "WO-1", ["brake_fluid", "brake_pads"], ["BRK-PAD-FRONT"], None)]


def test_last_visit_moves_forward_only(conn, car) -> None:
    record_visits(conn, [visit()], now=NOW)
    last = conn.execute("SELECT last_visit_at FROM vehicle WHERE id = %s", (car["vehicle"],)).fetchone()[0]
    assert last == NOW - timedelta(days=1)
    record_visits(
        conn, [visit("WO-OLD", visited_at=NOW - timedelta(days=300), work=(WorkCode.WIPERS,))], now=NOW
    )
    still = conn.execute("SELECT last_visit_at FROM vehicle WHERE id = %s", (car["vehicle"],)).fetchone()[0]
    assert still == last


def test_bad_visits_are_reported_and_never_drop_their_neighbours(conn, car) -> None:
    batch = [
        visit("WO-1"),
        visit("WO-2", vin=OTHER_VIN),
        visit("WO-3", center_code="NOPE"),
        visit("WO-4", technician_employee_no="HRB2-001"),  # works at another center
        visit("WO-5", vin="not-a-vin"),
        visit("WO-6", visited_at=datetime(2026, 11, 19, 10, 0)),
        visit("WO-7", visited_at=NOW + timedelta(days=3)),
        visit("WO-8", work=(WorkCode.WIPERS,)),
    ]
    report = record_visits(conn, batch, now=NOW)
    assert report.created == 2
    got = {(p.index, p.external_ref, p.code) for p in report.problems}
    assert got == {
        (1, "WO-2", VisitProblemCode.UNKNOWN_VEHICLE),
        (2, "WO-3", VisitProblemCode.UNKNOWN_CENTER),
        (3, "WO-4", VisitProblemCode.UNKNOWN_TECHNICIAN),
        (4, "WO-5", VisitProblemCode.INVALID_VIN),
        (5, "WO-6", VisitProblemCode.NAIVE_TIME),
        (6, "WO-7", VisitProblemCode.FUTURE_VISIT),
    }
    assert conn.execute("SELECT count(*) FROM service_visit").fetchone()[0] == 2


def test_a_work_order_of_one_car_is_not_moved_to_another(conn, car) -> None:
    seed_car(conn, vin=OTHER_VIN)
    record_visits(conn, [visit()], now=NOW)
    report = record_visits(conn, [visit(vin=OTHER_VIN)], now=NOW)
    assert [p.code for p in report.problems] == [VisitProblemCode.REF_CONFLICT]


def _notify(conn: psycopg.Connection, at: datetime):
    return run_pass(conn, calendar=ChinaCalendar(), policy=BookingPolicy(), now=at, log=LOG)


def _healthy_days(conn: psycopg.Connection, vehicle_id: int, since: datetime, days: range) -> None:
    for day in days:
        conn.execute(
            "INSERT INTO telemetry_daily (vehicle_id, day, samples, pad_wear_max) VALUES (%s, %s, 6, 20)"
            " ON CONFLICT DO NOTHING",
            (vehicle_id, (since + timedelta(days=day)).replace(hour=0, minute=0, second=0, microsecond=0)),
        )


def test_dms_brake_visit_moves_the_open_risk_to_verification_and_telemetry_closes_it(conn, car) -> None:
    _notify(conn, NOW)  # the owner is told, with booking options
    assert _case(conn)[0] == "notified"
    offered = conn.execute("SELECT count(*) FROM booking_suggestion WHERE status = 'suggested'").fetchone()[0]
    assert offered > 0
    at = NOW + timedelta(hours=30)
    report = record_visits(conn, [visit(visited_at=at)], now=at + timedelta(hours=2))
    assert report.cases_serviced == 1
    assert _case(conn) == ("serviced", "fault_confirmed", at, None, "open")
    assert (
        conn.execute("SELECT count(*) FROM booking_suggestion WHERE status = 'suggested'").fetchone()[0] == 0
    )
    # No reminders for a serviced case, then a week of quiet telemetry after the grace period verifies the fix.
    assert _notify(conn, NOW + timedelta(days=7)).notified == 0
    _healthy_days(conn, car["vehicle"], at, range(4, 12))
    assert _notify(conn, at + timedelta(days=12)).verified == 1
    assert _case(conn)[3:] == ("verified", "closed")
    # A repeat of the same visit later neither reopens nor re-services anything.
    assert record_visits(conn, [visit(visited_at=at)], now=at + timedelta(days=13)).unchanged == 1
    assert _case(conn)[0] == "closed"


def test_a_risk_without_a_case_gets_one_in_verification(conn, car) -> None:
    report = record_visits(conn, [visit()], now=NOW)
    assert report.cases_serviced == 1
    assert _case(conn)[:3] == ("serviced", "fault_confirmed", NOW - timedelta(days=1))


def test_unrelated_work_or_a_visit_long_before_the_risk_leaves_it_open(conn, car) -> None:
    record_visits(conn, [visit("WO-W", work=(WorkCode.WIPERS,))], now=NOW)
    record_visits(conn, [visit("WO-OLD", visited_at=NOW - timedelta(days=90))], now=NOW)
    assert conn.execute("SELECT count(*) FROM care_case").fetchone()[0] == 0


def test_a_completed_booking_joins_the_service_history(conn, car) -> None:
    _notify(conn, NOW)
    option = conn.execute(
        "SELECT id, center_id, technician_id FROM booking_suggestion ORDER BY rank LIMIT 1"
    ).fetchone()
    booking_store.accept(conn, booking_id=option[0], by="center", center_id=option[1])
    booking_store.check_in(conn, booking_id=option[0], center_id=option[1])
    parts = [{"sku": "BRK-PAD-FRONT", "qty": 1}]
    booking_store.complete(
        conn, booking_id=option[0], center_id=option[1], outcome="fault_confirmed", parts_used=parts
    )
    row = conn.execute(
        "SELECT source, external_ref, center_id, technician_id, work, parts FROM service_visit"
    ).fetchone()
    assert row == (
        VisitSource.CARECAST,
        str(option[0]),
        option[1],
        option[2],
        ["brake_pads"],
        ["BRK-PAD-FRONT"],
    )
    assert conn.execute("SELECT last_visit_at IS NOT NULL FROM vehicle").fetchone()[0]


@pytest.mark.parametrize(("days_ago", "tasks"), [(400, 1), (30, 0)])
def test_outreach_counts_from_the_real_last_visit(conn, car, days_ago, tasks) -> None:
    # The car came to Carecast today; the dealer's history says when it was last serviced.
    conn.execute("UPDATE vehicle SET created_at = %s", (NOW,))
    record_visits(conn, [visit(visited_at=NOW - timedelta(days=days_ago), work=(WorkCode.WIPERS,))], now=NOW)
    assert run_aftercare(conn, now=NOW, log=LOG).outreach == tasks


def test_outreach_without_any_visit_counts_from_registration(conn, car) -> None:
    conn.execute(
        "UPDATE vehicle SET created_at = %s, registered_on = %s", (NOW, (NOW - timedelta(days=500)).date())
    )
    assert run_aftercare(conn, now=NOW, log=LOG).outreach == 1
    assert conn.execute("SELECT reason FROM center_feed_item").fetchone()[0] == "no_visit"


def test_visit_times_are_kept_as_instants(conn, car) -> None:
    at = datetime(2026, 11, 19, 9, 30, tzinfo=UTC)
    record_visits(conn, [visit(visited_at=at)], now=NOW)
    assert conn.execute("SELECT visited_at FROM service_visit").fetchone()[0] == at
