"""The vocabulary (domain/vocabulary.py) and the database agree: every CHECK constraint on a vocabulary column
allows exactly the enum's values, as the migrations leave it."""

from __future__ import annotations

import re

import pytest

from domain.vocabulary import (
    BookingStatus,
    CaseStage,
    Channel,
    CloseReason,
    DeliveryStatus,
    Outcome,
    RiskKind,
    RiskStatus,
    Severity,
)

# (table, column) -> the enum its CHECK must equal
COLUMNS = {
    ("booking_suggestion", "status"): BookingStatus,
    ("care_case", "stage"): CaseStage,
    ("care_case", "close_reason"): CloseReason,
    ("care_case", "outcome"): Outcome,
    ("care_delivery", "channel"): Channel,
    ("care_delivery", "status"): DeliveryStatus,
    ("customer_consent", "channel"): Channel,
    ("webhook_delivery", "status"): DeliveryStatus,
    ("risk", "status"): RiskStatus,
    ("risk", "kind"): RiskKind,
    ("risk", "severity"): Severity,
}


def _allowed(conn, table: str, column: str) -> set[str] | None:
    rows = conn.execute(
        """
        SELECT pg_get_constraintdef(c.oid)
        FROM pg_constraint c
        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
        WHERE c.conrelid = %s::regclass AND c.contype = 'c' AND a.attname = %s
        """,
        (table, column),
    ).fetchall()
    if not rows:
        return None
    values: set[str] = set()
    for (definition,) in rows:
        values |= set(re.findall(r"'([^']*)'::text", definition))
    return values


@pytest.mark.parametrize(("table", "column"), sorted(COLUMNS))
def test_every_check_constraint_matches_its_enum(conn, table, column):
    allowed = _allowed(conn, table, column)
    if allowed is None:
        pytest.skip(f"{table}.{column} has no CHECK constraint: the enum alone defines it")
    assert allowed == {member.value for member in COLUMNS[(table, column)]}
