"""Idempotent upsert of a simulated fleet into the reference tables (centers, technicians, parts, stock,
customers, vehicles), in one transaction, through the master-data import's writers (core/masterdata): the one
writer of those tables, so a simulated network is stored exactly as an imported one."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime

import psycopg

from core.masterdata.engine import write_records
from domain.masterdata import ENTITIES, EntityName
from domain.masterdata.centers import Center
from domain.masterdata.customers import Customer, Vehicle
from domain.masterdata.parts import Part, Stock
from domain.masterdata.staff import Technician
from simulators.fleet import HOURLY_RATE, PART_PRICES, VAT, Fleet


@dataclass(frozen=True, slots=True)
class SeedReport:
    """How many rows of each kind were upserted."""

    centers: int
    technicians: int
    parts: int
    customers: int
    vehicles: int


# A center that offers pickup: within 15 km, 50 CNY, collected in the morning, returned in the afternoon.
_PICKUP = {"pickup_offered": True, "pickup_radius_km": 15, "pickup_fee": "50.00",
           "pickup_windows": "08:00-11:00;14:00-17:00"}  # fmt: skip


def fleet_records(
    fleet: Fleet,
) -> dict[EntityName, list[Center | Technician | Part | Stock | Customer | Vehicle]]:
    """Return the fleet as master-data records, by entity, in import order."""
    # a bay per technician: the simulated network is planned by technician availability alone
    bays = Counter(t.center_code for t in fleet.technicians)
    centers = [
        Center.model_validate(
            {"code": c.code, "name": c.name, "city": c.city, "region": c.region, "lat_deg": c.lat_deg,
             "lon_deg": c.lon_deg, "tz": c.tz, "brands": c.brands, "bays": max(bays[c.code], 1),
             "hourly_rate": HOURLY_RATE.get(c.region), "tax_rate": VAT, "prices_include_tax": True,
             **(_PICKUP if c.pickup else {}), **c.opening_hours}
        )
        for c in fleet.centers
    ]  # fmt: skip
    technicians = [
        Technician(
            employee_no=f"{t.center_code}-{t.name}", center_code=t.center_code, name=t.name, skills=t.skills
        )
        for t in fleet.technicians
    ]
    customers = [
        Customer.model_validate(
            {"ref": c.crm_id, "name": c.name, "locale": c.locale, "tz": c.tz, "segment": c.segment,
             "email": c.channels.get("email"), "phone": c.channels.get("phone"),
             "app": bool(c.channels.get("app")), "consent_in_app": bool(c.channels.get("app")),
             "consent_email": "email" in c.channels, "preferred_center_code": c.preferred_center_code}
        )
        for c in fleet.customers
    ]  # fmt: skip
    vehicles = [
        # model keeps the brand ("Volkswagen Lavida"): messages and pages name the car by it
        Vehicle(vin=v.vin, brand=v.brand, model=f"{v.brand} {v.model}", model_year=v.model_year,
                powertrain=v.powertrain, owner_ref=v.crm_id, region=v.region, plate=plate_for(v.vin, v.region))
        for v in fleet.vehicles
    ]  # fmt: skip
    return {
        EntityName.CENTERS: list(centers),
        EntityName.TECHNICIANS: list(technicians),
        EntityName.PARTS: [
            Part(sku=sku, name=name, price=PART_PRICES.get(sku)) for sku, name in fleet.parts.items()
        ],
        EntityName.STOCK: [
            Stock(center_code=s.center_code, sku=s.sku, on_hand=s.on_hand, restock_days=s.restock_days)
            for s in fleet.stock
        ],
        EntityName.CUSTOMERS: list(customers),
        EntityName.VEHICLES: list(vehicles),
    }


# region -> the plate prefix of its provincial capital (黑A: Harbin), so seeded plates look like real ones
_PLATE_PREFIX = {"harbin": "黑A", "beijing": "京A", "shanghai": "沪A", "guangzhou": "粤A", "chengdu": "川A",
                 "urumqi": "新A"}  # fmt: skip


def plate_for(vin: str, region: str) -> str:
    """Return the seeded car's licence plate: its region's prefix and the VIN's last five characters."""
    return _PLATE_PREFIX.get(region, "京A") + vin[-5:]


def seed_fleet(conn: psycopg.Connection, *, fleet: Fleet, now: datetime | None = None) -> SeedReport:
    """Upsert every row of `fleet` (by center code, employee number, SKU, CRM id, VIN) and commit."""
    stamp = now or datetime.now(UTC)
    with conn.transaction():
        for entity, records in fleet_records(fleet).items():
            write_records(conn, entity=ENTITIES[entity], records=records, now=stamp)
    counts = (fleet.centers, fleet.technicians, fleet.parts, fleet.customers, fleet.vehicles)
    return SeedReport(*(len(c) for c in counts))
