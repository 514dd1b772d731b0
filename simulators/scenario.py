"""Injected faults with a known expected outcome: which vehicles should raise which risk kinds by the scenario's end.

Every expectation is computed from the same fleet, fault ramps and climate model the samples come from; nothing is
hard-coded. Non-winter vehicles live in regions that are clearly warm at `end` (7-day mean >= 7 °C + margin) so
they get no winter risk; the winter_onset vehicles live in the colder of Harbin and Ürümqi, made colder by a cold
snap when the season alone is not cold enough. If no region is clearly warm (never with the built-in normals,
Guangzhou stays ~15 °C in January), healthy vehicles go to the warmest region and `expected` says winter_prep
wherever the region's 7-day mean is below 7 °C.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from domain.vocabulary import Powertrain, RiskKind
from simulators.climate import REGIONS, Climate, ColdSnap
from simulators.fleet import REGION_WEIGHTS, Fleet, build_fleet, powertrain_plan, rng_for
from simulators.onsets import WINTER_MEAN_C

# Keep every vehicle this far from the winter threshold: detection's 7-day window and the samples' times of day
# differ slightly from the climate's daily means (a partial last day, fleet-day buckets).
MARGIN_C = 2.0
COLD_SNAP_TARGET_C = 1.0


class FaultKind(StrEnum):
    """What is wrong with a vehicle, and which signal ramp shows it."""

    WEAK_12V = "weak_12v"  # cranking dip at 20 °C, volts (ageing 12V battery, high internal resistance)
    DRAIN_12V = "drain_12v"  # resting voltage, volts (parasitic drain, low state of charge)
    FAST_BRAKE_WEAR = "fast_brake_wear"  # worst front pad wear, percent
    EV_FAST_FADE = "ev_fast_fade"  # traction battery state of health, percent
    # value = the cold snap drop in °C added to the region (0 when the season alone is cold enough)
    WINTER_ONSET = "winter_onset"
    SERVICE_DUE = "service_due"  # Vehicle.Service.DistanceToService, km (scheduled service falling due)


EXPECTS: dict[FaultKind, RiskKind] = {
    FaultKind.WEAK_12V: RiskKind.BATTERY_12V,
    FaultKind.DRAIN_12V: RiskKind.BATTERY_12V,
    FaultKind.FAST_BRAKE_WEAR: RiskKind.BRAKE_PADS,
    FaultKind.EV_FAST_FADE: RiskKind.EV_BATTERY_SOH,
    FaultKind.WINTER_ONSET: RiskKind.WINTER_PREP,
    FaultKind.SERVICE_DUE: RiskKind.MAINTENANCE_DUE,
}
# The service countdown of a SERVICE_DUE vehicle ends here on the window's last day (detection: due at <= 500 km).
SERVICE_DUE_END_KM = 250.0
SERVICE_DUE_KM_PER_DAY = 40.0


@dataclass(frozen=True, slots=True)
class Fault:
    """A linear ramp of one signal from `start` (the vehicle's local date), replacing its healthy value."""

    vin: str
    kind: FaultKind
    start: date
    start_value: float
    per_day: float

    def value_on(self, day: date) -> float:
        """Return the ramp's value on local date `day` (it keeps going past the window, for live mode)."""
        return self.start_value + self.per_day * (day - self.start).days


@dataclass(frozen=True, slots=True)
class Scenario:
    """A fleet, its climate, the injected faults and what detection should find by `end`."""

    seed: int
    end: datetime
    days: int
    climate: Climate
    fleet: Fleet
    faults: tuple[Fault, ...]
    expected: dict[str, set[RiskKind]]

    def faults_of(self, vin: str) -> dict[FaultKind, Fault]:
        """Return the faults injected into one vehicle, by kind."""
        return {f.kind: f for f in self.faults if f.vin == vin}

    def first_day(self, region: str) -> date:
        """Return the first local date of the history window for vehicles of `region`."""
        return local_date(self.end, region) - timedelta(days=self.days - 1)


def local_date(moment: datetime, region: str) -> date:
    """Return the calendar date of `moment` in the region's time zone."""
    return moment.astimezone(ZoneInfo(REGIONS[region].tz)).date()


def _ramp(kind: FaultKind, days: int) -> tuple[float, float]:
    """Return (start_value, per_day) so the signal is at its fault level on the window's last day."""
    n = days - 1
    if kind is FaultKind.WEAK_12V:
        return 10.0, -1.1 / n  # 10.0 V -> 8.9 V at 20 °C
    if kind is FaultKind.DRAIN_12V:
        return 12.45, -0.55 / n  # 12.45 V -> 11.9 V resting
    if kind is FaultKind.FAST_BRAKE_WEAR:
        rate = min(1.0, max(0.3, 19.0 / n))  # ends at 79 %: 80 % is days away
        return 79.0 - rate * n, rate
    if kind is FaultKind.EV_FAST_FADE:
        return 84.0, -15.0 / 365.25
    if kind is FaultKind.SERVICE_DUE:
        return SERVICE_DUE_END_KM + SERVICE_DUE_KM_PER_DAY * n, -SERVICE_DUE_KM_PER_DAY
    raise ValueError(kind)


def _winter(climate: Climate, end: datetime) -> tuple[str, Climate, float]:
    """Return the winter region, the climate (with a cold snap if needed) and the snap's drop."""
    region = min(("harbin", "urumqi"), key=lambda r: climate.mean_c(r, local_date(end, r)))
    last = local_date(end, region)
    warmest = max(climate.mean_c(region, last, 7), climate.mean_c(region, last, 10))
    if warmest <= WINTER_MEAN_C - MARGIN_C:
        return region, climate, 0.0
    drop = float(math.ceil(warmest - COLD_SNAP_TARGET_C))
    return region, climate.with_snap(ColdSnap(region, last - timedelta(days=13), 28, drop)), drop


def build_scenario(
    seed: int, n_vehicles: int, end: datetime, *, days: int = 60, ev_share: float = 0.35
) -> Scenario:
    """Return the scenario: a fleet with max(1, n // 50) vehicles of each fault kind and the expected risks per VIN."""
    if end.tzinfo is None:
        raise ValueError("end must be timezone-aware")
    if n_vehicles < 5 or days < 7:
        raise ValueError("a scenario needs at least 5 vehicles and 7 days")
    plan = powertrain_plan(seed, n_vehicles, ev_share, min_ev=1, min_engine=3)
    per_kind = max(1, n_vehicles // 50)
    rng = rng_for(seed, "faults")
    evs = [i for i, p in enumerate(plan) if p is Powertrain.EV]
    engines = [i for i, p in enumerate(plan) if p is not Powertrain.EV]
    rng.shuffle(evs)
    rng.shuffle(engines)
    k = min(per_kind, len(engines) // 3)
    chosen: dict[int, FaultKind] = {i: FaultKind.EV_FAST_FADE for i in evs[:per_kind]}
    chosen |= {i: FaultKind.WEAK_12V for i in engines[:k]}
    chosen |= {i: FaultKind.DRAIN_12V for i in engines[k : 2 * k]}
    chosen |= {i: FaultKind.WINTER_ONSET for i in engines[2 * k : 3 * k]}
    rest = [i for i in evs[per_kind:] + engines[3 * k :]]
    rng.shuffle(rest)
    chosen |= {i: FaultKind.FAST_BRAKE_WEAR for i in rest[:per_kind]}
    chosen |= {i: FaultKind.SERVICE_DUE for i in rest[per_kind : 2 * per_kind]}

    winter_region, climate, drop = _winter(Climate(seed), end)
    means = {r: climate.mean_c(r, local_date(end, r)) for r in REGIONS}
    warm = [r for r in REGION_WEIGHTS if means[r] >= WINTER_MEAN_C + MARGIN_C] or [
        max(means, key=means.__getitem__)
    ]
    region_rng = rng_for(seed, "regions")
    weights = [REGION_WEIGHTS[r] for r in warm]
    regions = [
        winter_region
        if chosen.get(i) is FaultKind.WINTER_ONSET
        else region_rng.choices(warm, weights=weights)[0]
        for i in range(n_vehicles)
    ]
    fleet = build_fleet(seed, n_vehicles, ev_share, regions=regions, powertrains=plan)

    faults = []
    for i, kind in sorted(chosen.items()):
        vehicle = fleet.vehicles[i]
        start = local_date(end, vehicle.region) - timedelta(days=days - 1)
        value, per_day = (drop, 0.0) if kind is FaultKind.WINTER_ONSET else _ramp(kind, days)
        faults.append(Fault(vehicle.vin, kind, start, value, per_day))
    expected: dict[str, set[RiskKind]] = {v.vin: set() for v in fleet.vehicles}
    for fault in faults:
        expected[fault.vin].add(EXPECTS[fault.kind])
    for vehicle in fleet.vehicles:
        if means[vehicle.region] < WINTER_MEAN_C:
            expected[vehicle.vin].add(RiskKind.WINTER_PREP)
    return Scenario(seed, end, days, climate, fleet, tuple(faults), expected)


def expected_json(scenario: Scenario) -> dict[str, object]:
    """Return the expected outcome as JSON-ready data: risk kinds per VIN and the injected faults."""
    return {
        "seed": scenario.seed,
        "end": scenario.end.isoformat(),
        "days": scenario.days,
        "expected": {vin: sorted(kinds) for vin, kinds in sorted(scenario.expected.items())},
        "faults": [
            {
                "vin": f.vin,
                "kind": str(f.kind),
                "start": f.start.isoformat(),
                "start_value": round(f.start_value, 4),
                "per_day": round(f.per_day, 6),
            }
            for f in scenario.faults
        ],
    }
