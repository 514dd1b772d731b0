"""Writers of customers (with consent per channel) and of their vehicles."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import psycopg
from psycopg.types.json import Jsonb

from core.advisors import assign_unassigned
from core.masterdata.lookups import lookup, unknown
from core.masterdata.report import BatchResult
from core.masterdata.writers import Numbered, changed, typed, upsert
from core.sql import MASTERDATA_UPSERT_CONSENT, MASTERDATA_UPSERT_CUSTOMERS, MASTERDATA_UPSERT_VEHICLES
from domain.masterdata import RowError
from domain.masterdata.customers import Customer, Vehicle


def write_customers(conn: psycopg.Connection, rows: Sequence[Numbered], *, now: datetime) -> BatchResult:
    """Upsert customers by reference, then their consent (source 'import'); an unknown preferred center or advisor
    is a bad row. A customer whose consent changed counts as updated."""
    batch: list[tuple[int, Customer]] = typed(rows, Customer)
    centers = lookup(conn, "centers", (r.preferred_center_code for _, r in batch))
    advisors = lookup(conn, "advisors", (r.advisor_employee_no for _, r in batch))
    errors: list[RowError] = []
    good: list[Customer] = []
    for line, r in batch:
        bad = len(errors)
        if r.preferred_center_code is not None and r.preferred_center_code not in centers:
            errors.append(
                RowError(line, "preferred_center_code", unknown("centers", r.preferred_center_code))
            )
        if r.advisor_employee_no is not None and r.advisor_employee_no not in advisors:
            errors.append(RowError(line, "advisor_employee_no", unknown("advisors", r.advisor_employee_no)))
        if len(errors) == bad:
            good.append(r)
    params = [
        {"ref": r.ref, "name": r.name, "locale": r.locale, "tz": r.tz, "segment": str(r.segment),
         "preferred_center_id": centers[r.preferred_center_code].id if r.preferred_center_code else None,
         "advisor_id": advisors[r.advisor_employee_no].id if r.advisor_employee_no else None,
         "channels": r.channels()}
        for r in good
    ]  # fmt: skip
    changes = upsert(conn, MASTERDATA_UPSERT_CUSTOMERS, params, now=now)
    assign_unassigned(conn)  # new customers without a DMS-given advisor get one by load
    consent = [
        {"ref": r.ref, "channel": str(channel), "granted": granted}
        for r in good
        for channel, granted in r.consents().items()
    ]
    if consent:
        changes = changes.also_updated(
            changed(conn, MASTERDATA_UPSERT_CONSENT, {"rows": Jsonb(consent), "now": now})
        )
    return BatchResult(errors, changes, len(params))


def write_vehicles(conn: psycopg.Connection, rows: Sequence[Numbered], *, now: datetime) -> BatchResult:
    """Upsert vehicles by VIN; an unknown owner is a bad row, and so is a vehicle without a region whose owner has
    no preferred center to take it from."""
    batch: list[tuple[int, Vehicle]] = typed(rows, Vehicle)
    owners = lookup(conn, "customers", (r.owner_ref for _, r in batch))
    errors: list[RowError] = []
    params = []
    for line, r in batch:
        owner = owners.get(r.owner_ref)
        if owner is None:
            errors.append(RowError(line, "owner_ref", unknown("customers", r.owner_ref)))
            continue
        region = r.region or owner.region
        if region is None:
            errors.append(
                RowError(line, "region", "required: the owner has no preferred center to take it from")
            )
            continue
        params.append({
            "vin": r.vin, "customer_id": owner.id, "brand": r.brand, "model": r.model, "model_year": r.model_year,
            "powertrain": str(r.powertrain), "region": region,
            "registered_on": None if r.registered_on is None else r.registered_on.isoformat(),
            "odometer_at_registration_km": r.odometer_at_registration_km, "plate": r.plate,
        })  # fmt: skip
    return BatchResult(errors, upsert(conn, MASTERDATA_UPSERT_VEHICLES, params, now=now), len(params))
