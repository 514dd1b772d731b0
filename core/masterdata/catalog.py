"""Writers of the parts catalog and of stock per center."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import psycopg

from core.masterdata.lookups import lookup, unknown
from core.masterdata.report import BatchResult
from core.masterdata.writers import Numbered, typed, upsert
from core.sql import MASTERDATA_UPSERT_PARTS, MASTERDATA_UPSERT_STOCK
from domain.masterdata import RowError
from domain.masterdata.parts import Part, Stock


def write_parts(conn: psycopg.Connection, rows: Sequence[Numbered], *, now: datetime) -> BatchResult:
    """Upsert parts by SKU (nothing to resolve)."""
    params = [
        {"sku": p.sku, "name": p.name, "price": None if p.price is None else str(p.price)}
        for _, p in typed(rows, Part)
    ]
    return BatchResult(changes=upsert(conn, MASTERDATA_UPSERT_PARTS, params, now=now), keys=len(params))


def write_stock(conn: psycopg.Connection, rows: Sequence[Numbered], *, now: datetime) -> BatchResult:
    """Upsert stock by (center, SKU); an unknown center or SKU is a bad row."""
    batch: list[tuple[int, Stock]] = typed(rows, Stock)
    centers = lookup(conn, "centers", (r.center_code for _, r in batch))
    parts = lookup(conn, "parts", (r.sku for _, r in batch))
    errors: list[RowError] = []
    params = []
    for line, r in batch:
        center, part = centers.get(r.center_code), parts.get(r.sku)
        if center is None:
            errors.append(RowError(line, "center_code", unknown("centers", r.center_code)))
        if part is None:
            errors.append(RowError(line, "sku", unknown("parts", r.sku)))
        if center is None or part is None:
            continue
        params.append({"center_id": center.id, "part_id": part.id, "on_hand": r.on_hand,
                       "restock_days": r.restock_days,
                       "restock_date": None if r.restock_date is None else r.restock_date.isoformat()})  # fmt: skip
    codes = {ref.id: code for code, ref in centers.items()}
    skus = {ref.id: sku for sku, ref in parts.items()}
    changes = upsert(
        conn, MASTERDATA_UPSERT_STOCK, params, now=now, key=lambda k: f"{codes[k[0]]}/{skus[k[1]]}"
    )
    return BatchResult(errors, changes, len(params))
