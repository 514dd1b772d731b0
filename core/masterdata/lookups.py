"""References an import row makes by natural key (center code, SKU, customer reference, employee number, VIN),
resolved to ids a batch at a time."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import psycopg
from psycopg.rows import tuple_row

from core.db import SqlFile, query
from core.sql import (
    MASTERDATA_LOOKUP_ADVISORS,
    MASTERDATA_LOOKUP_CENTERS,
    MASTERDATA_LOOKUP_CUSTOMERS,
    MASTERDATA_LOOKUP_PARTS,
    MASTERDATA_LOOKUP_TECHNICIANS,
    MASTERDATA_LOOKUP_VEHICLES,
)

Referenced = Literal["centers", "advisors", "technicians", "parts", "customers", "vehicles"]
_QUERIES: dict[Referenced, SqlFile] = {
    "centers": MASTERDATA_LOOKUP_CENTERS,
    "advisors": MASTERDATA_LOOKUP_ADVISORS,
    "technicians": MASTERDATA_LOOKUP_TECHNICIANS,
    "parts": MASTERDATA_LOOKUP_PARTS,
    "customers": MASTERDATA_LOOKUP_CUSTOMERS,
    "vehicles": MASTERDATA_LOOKUP_VEHICLES,
}
# What an operator imports first when a reference is unknown.
_HINT: dict[Referenced, str] = {
    "centers": "import the centers first",
    "advisors": "import the advisors first",
    "technicians": "import the technicians first",
    "parts": "import the parts first",
    "customers": "import the customers first",
    "vehicles": "import the vehicles first",
}


@dataclass(frozen=True, slots=True)
class Ref:
    """A referenced row: its id, and a region (a center's own; a customer's preferred center's)."""

    id: int
    region: str | None = None


def lookup(conn: psycopg.Connection, what: Referenced, keys: Iterable[str | None]) -> dict[str, Ref]:
    """Return the rows of `what` that the given natural keys name (unknown keys are absent)."""
    wanted = sorted({k for k in keys if k is not None})
    if not wanted:
        return {}
    with conn.cursor(row_factory=tuple_row) as cur:
        rows = cur.execute(query(_QUERIES[what]), {"keys": wanted}).fetchall()
    return {key: Ref(id_, region) for key, id_, region in rows}


def unknown(what: Referenced, key: str) -> str:
    """Return the reason for a reference to a key that does not exist."""
    return f"unknown {what.removesuffix('s')} {key!r}; {_HINT[what]}"
