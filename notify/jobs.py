"""What each risk kind needs at the workshop (skill, parts, time) and what that job costs at a center (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from types import MappingProxyType

from domain import pricing
from domain.pricing import CenterPrices, Estimate
from domain.vocabulary import RiskKind


@dataclass(frozen=True, slots=True)
class Job:
    """What a risk kind needs at the workshop."""

    skill: str
    parts: tuple[tuple[str, int], ...]
    duration: timedelta


JOBS: Mapping[RiskKind, Job] = MappingProxyType(
    {
        RiskKind.BATTERY_12V: Job("electrical", (("BAT-12V-AGM70", 1),), timedelta(minutes=60)),
        # traction battery health check & balancing kit
        RiskKind.EV_BATTERY_SOH: Job("high_voltage", (("HV-DIAG-SVC", 1),), timedelta(minutes=120)),
        RiskKind.BRAKE_PADS: Job("brakes", (("BRK-PAD-FRONT", 1),), timedelta(minutes=90)),
        RiskKind.WINTER_PREP: Job(
            "general", (("COOLANT-AF-4L", 1), ("WASHER-WINTER-2L", 1)), timedelta(minutes=45)
        ),
        # scheduled service: engine oil and oil filter (EVs use the kit's cabin filter and checks only)
        RiskKind.MAINTENANCE_DUE: Job("general", (("SVC-OIL-FILTER-KIT", 1),), timedelta(minutes=60)),
        RiskKind.WIPERS: Job("general", (("WIPER-BLADE-SET", 1),), timedelta(minutes=15)),
        RiskKind.TYRE_PRESSURE: Job("general", (("TYRE-SVC-KIT", 1),), timedelta(minutes=30)),
        # A/C performance check and refrigerant top-up, engine/battery cooling and tyre check before the heat
        RiskKind.SUMMER_CARE: Job("general", (("AC-SVC-KIT", 1),), timedelta(minutes=45)),
        # multi-point check before a long holiday drive; the due items found are fixed at the same visit
        RiskKind.HOLIDAY_TRIP: Job("general", (("TRIP-CHECK-SVC", 1),), timedelta(minutes=45)),
        # the owner's own request: a diagnosis hour with a general technician; parts are quoted at the visit
        RiskKind.OWNER_REQUEST: Job("general", (), timedelta(minutes=60)),
        # a stored trouble code: a diagnosis hour; the code's skill and likely parts are in the evidence (domain/dtc)
        RiskKind.DTC: Job("general", (), timedelta(minutes=60)),
    }
)


def job_estimate(
    kind: RiskKind,
    *,
    prices: CenterPrices,
    part_names: Mapping[str, str],
    part_prices: Mapping[str, Decimal | None],
) -> Estimate | None:
    """Return the price of `kind`'s job at a center's prices (labour = the job's duration), None when a price is missing."""
    job = JOBS[kind]
    return pricing.estimate(
        job_code=str(kind),
        labour_hours=Decimal(int(job.duration.total_seconds())) / 3600,
        parts=[(sku, part_names.get(sku, sku), qty) for sku, qty in job.parts],
        prices=prices,
        part_prices=part_prices,
    )
