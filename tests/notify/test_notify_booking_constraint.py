"""Accepted bookings never overlap for one technician: the database refuses it, whatever the application does.
Parallel accepts from threads on separate connections race for the same slot; exactly one wins."""

from __future__ import annotations

import threading
from datetime import timedelta

import psycopg
import pytest

from core.db import connect
from domain.workdays import ChinaCalendar
from notify.booking import BookingPolicy
from notify.job import run_pass
from tests.notify.test_notify_outbox import LOG
from tests.notify.test_notify_repository import NOW, seed_car, seed_reference

ACCEPT = "UPDATE booking_suggestion SET status = 'accepted', accepted_at = now(), accepted_by = 'owner' WHERE id = %s"


def test_notify_parallel_accepts_of_one_slot_only_one_wins(conn, database) -> None:
    seed_reference(conn)
    risks = [seed_car(conn, vin=f"LGWEF4A59NH00{n:04d}")["risk"] for n in range(6)]
    run_pass(conn, calendar=ChinaCalendar(), policy=BookingPolicy(), now=NOW, log=LOG)
    # Force a race: every risk gets an offer of the very same technician slot.
    tech, start = conn.execute(
        "SELECT technician_id, slot_start FROM booking_suggestion WHERE rank = 1 LIMIT 1"
    ).fetchone()
    conn.execute("UPDATE booking_suggestion SET status = 'expired' WHERE rank = 3")
    ids = [
        conn.execute(
            "UPDATE booking_suggestion SET technician_id = %s, slot_start = %s, slot_end = %s"
            " WHERE risk_id = %s AND rank = 3 RETURNING id",
            (tech, start + timedelta(minutes=15), start + timedelta(minutes=75), risk),
        ).fetchone()[0]
        for risk in risks
    ]
    barrier = threading.Barrier(len(ids))
    outcomes: list[str] = []

    def accept(suggestion_id: int) -> None:
        with connect(database) as own:
            barrier.wait()
            try:
                own.execute(ACCEPT, (suggestion_id,))
                own.commit()
                outcomes.append("won")
            except (psycopg.errors.ExclusionViolation, psycopg.errors.DeadlockDetected):
                # Overlapping exclusion checks may deadlock; PostgreSQL aborts one side, which is refused too.
                own.rollback()
                outcomes.append("refused")

    threads = [threading.Thread(target=accept, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["refused"] * (len(ids) - 1) + ["won"]


def test_notify_one_accepted_booking_per_risk(conn) -> None:
    seed_reference(conn)
    seed_car(conn, vin="LGWEF4A59NH000123")
    run_pass(conn, calendar=ChinaCalendar(), policy=BookingPolicy(), now=NOW, log=LOG)
    first, second = [r[0] for r in conn.execute("SELECT id FROM booking_suggestion ORDER BY rank LIMIT 2")]
    conn.execute(ACCEPT, (first,))
    with pytest.raises(psycopg.errors.UniqueViolation):
        conn.execute(ACCEPT, (second,))
