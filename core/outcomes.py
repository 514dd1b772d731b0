"""Reads the workshop outcomes of each detection rule from care_case and risk (one query for every reader)."""

from __future__ import annotations

from datetime import datetime

import psycopg
from psycopg.rows import class_row

from core.db import query
from core.sql import RULE_OUTCOMES
from domain.outcomes import RuleOutcome


def rule_outcomes(conn: psycopg.Connection, *, since: datetime | None) -> list[RuleOutcome]:
    """Return per rule version the outcomes of cases serviced since `since` (None: ever)."""
    cur = conn.cursor(row_factory=class_row(RuleOutcome))
    return cur.execute(query(RULE_OUTCOMES), {"since": since}).fetchall()
