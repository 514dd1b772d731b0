"""Each suggestion notify writes carries the estimate the owner is shown (null when a price is missing)."""

from __future__ import annotations

from decimal import Decimal

import psycopg

from domain.pricing import Estimate
from domain.workdays import ChinaCalendar
from notify.booking import BookingPolicy
from notify.job import run_pass
from tests.notify.test_notify_repository import LOG, NOW, seed_car, seed_reference


def price_centers(conn: psycopg.Connection, ids: dict[str, int]) -> None:
    """HRB1: 300.00 an hour, prices include 13 % VAT; HRB2 gives no labour rate; the 12V battery is 899.00."""
    conn.execute(
        "UPDATE service_center SET hourly_rate = 300.00, tax_rate = 0.13, prices_include_tax = true WHERE id = %s",
        (ids["HRB1"],),
    )
    conn.execute("UPDATE part SET price = 899.00 WHERE sku = 'BAT-12V-AGM70'")


def test_notify_suggestions_carry_the_estimate(conn) -> None:
    ids = seed_reference(conn)
    price_centers(conn, ids)
    seed_car(conn, vin="LGWEF4A59NH000123")
    run_pass(conn, calendar=ChinaCalendar(), policy=BookingPolicy(), now=NOW, log=LOG)
    rows = conn.execute("SELECT center_id, estimate FROM booking_suggestion ORDER BY rank").fetchall()
    assert {center for center, _ in rows} == {ids["HRB1"], ids["HRB2"]}
    for center, stored in rows:
        if center == ids["HRB2"]:
            assert stored is None  # no labour rate: no estimate, never a made-up number
            continue
        estimate = Estimate.model_validate(stored)
        # battery_12v: 1 h × 300.00 + 899.00 = 1199.00, of which VAT 1199 − 1199 / 1.13 = 137.94
        assert [(line.code, line.quantity, line.amount.amount) for line in estimate.lines] == [
            ("battery_12v", Decimal(1), Decimal("300.00")),
            ("BAT-12V-AGM70", Decimal(1), Decimal("899.00")),
        ]
        assert (estimate.total.amount, estimate.tax.amount) == (Decimal("1199.00"), Decimal("137.94"))
        assert estimate.tax_included


def test_notify_an_unpriced_part_means_no_estimate(conn) -> None:
    ids = seed_reference(conn)
    price_centers(conn, ids)
    conn.execute("UPDATE part SET price = NULL")
    seed_car(conn, vin="LGWEF4A59NH000123")
    run_pass(conn, calendar=ChinaCalendar(), policy=BookingPolicy(), now=NOW, log=LOG)
    assert conn.execute("SELECT count(*), count(estimate) FROM booking_suggestion").fetchone() == (3, 0)
