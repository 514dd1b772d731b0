"""Idempotent upsert of a simulated fleet into the reference tables (centers, technicians, parts, stock,
customers, vehicles), in one transaction."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from psycopg.types.json import Jsonb

from core.db import query
from simulators.fleet import Fleet


@dataclass(frozen=True, slots=True)
class SeedReport:
    """How many rows of each kind were upserted."""

    centers: int
    technicians: int
    parts: int
    customers: int
    vehicles: int


def _ids(cur: psycopg.Cursor, name: str, params: list[dict[str, object]]) -> list[int]:
    """Run the named upsert once per parameter set (pipelined) and return the id each one returned."""
    cur.executemany(query("simulators", name), params, returning=True)
    ids = []
    while True:
        row = cur.fetchone()
        if row is None:
            raise LookupError("an upsert returned no id")
        ids.append(row[0] if not isinstance(row, dict) else next(iter(row.values())))
        if not cur.nextset():
            return ids


def seed_fleet(conn: psycopg.Connection, *, fleet: Fleet) -> SeedReport:
    """Upsert every row of `fleet` (by center code, employee number, SKU, CRM id, VIN) and commit."""
    with conn.transaction(), conn.cursor() as cur:
        cur.execute(query("simulators", "lock_seed"))
        centers = [
            {"code": c.code, "name": c.name, "city": c.city, "region": c.region, "lat_deg": c.lat_deg,
             "lon_deg": c.lon_deg, "tz": c.tz, "opening_hours": Jsonb(c.opening_hours), "brands": list(c.brands)}
            for c in fleet.centers
        ]  # fmt: skip
        center_ids = dict(
            zip([c.code for c in fleet.centers], _ids(cur, "upsert_center", centers), strict=True)
        )
        technicians = [
            {
                "center_id": center_ids[t.center_code],
                "employee_no": f"{t.center_code}-{t.name}",
                "name": t.name,
                "skills": list(t.skills),
            }
            for t in fleet.technicians
        ]
        cur.executemany(query("simulators", "upsert_technician"), technicians)
        parts: list[dict[str, object]] = [{"sku": sku, "name": name} for sku, name in fleet.parts.items()]
        part_ids = dict(zip(list(fleet.parts), _ids(cur, "upsert_part", parts), strict=True))
        stock = [
            {"center_id": center_ids[s.center_code], "part_id": part_ids[s.sku], "on_hand": s.on_hand,
             "restock_days": s.restock_days}
            for s in fleet.stock
        ]  # fmt: skip
        cur.executemany(query("simulators", "upsert_part_stock"), stock)
        customers = [
            {"crm_id": c.crm_id, "name": c.name, "locale": c.locale, "tz": c.tz, "segment": str(c.segment),
             "center_id": center_ids[c.preferred_center_code], "channels": Jsonb(c.channels)}
            for c in fleet.customers
        ]  # fmt: skip
        crm_ids = [c.crm_id for c in fleet.customers]
        customer_ids = dict(zip(crm_ids, _ids(cur, "upsert_customer", customers), strict=True))
        consent = [
            {"customer_id": customer_ids[c.crm_id], "channel": channel, "granted": granted}
            for c in fleet.customers
            for channel, granted in (
                ("in_app", bool(c.channels.get("app"))),
                ("email", "email" in c.channels),
            )
        ]
        cur.executemany(query("simulators", "upsert_consent"), consent)
        vehicles = [
            {"vin": v.vin, "customer_id": customer_ids[v.crm_id], "model": f"{v.brand} {v.model}",
             "model_year": v.model_year, "powertrain": str(v.powertrain), "region": v.region}
            for v in fleet.vehicles
        ]  # fmt: skip
        cur.executemany(query("simulators", "upsert_vehicle"), vehicles)
    counts = (fleet.centers, fleet.technicians, fleet.parts, fleet.customers, fleet.vehicles)
    return SeedReport(*(len(c) for c in counts))
