"""A long-history fleet for evaluating detection: per-vehicle usage, component physics and injected faults.

Each vehicle gets a usage profile (commuter, ride-hailing driver, weekend driver), a driving style and a city share,
and a random subset of faults whose start dates are spread over the history window:

- ``ageing_12v``: the 12 V battery's internal resistance grows, the 20 °C cranking dip falls quadratically to 9.0 V
  (the car no longer starts) over 50–150 days; the owner replaces the battery a few days later.
- ``drain_12v``: a parasitic drain pulls the resting voltage linearly from ~12.6 V to 11.9 V over 20–60 days.
- ``ev_cell_fault``: a weak cell module fades the traction battery by an extra 8–20 %/year; cell spread grows.
- ``dragging_caliper``: the front-left caliper does not release, that pad wears 5–8 times faster.
- ``brake_fluid_leak``: the fluid level falls from ~96 % to the 70 % MIN mark over 30–90 days.

Scheduled service (the maintenance rule's ground truth) is not a fault: every car has a service interval and an owner
who has it done early, on time or late (``simulators.service``, its own random stream).

Data-quality quirks, not faults: cars that go silent for a while, cars that report late in batches, odometers that
glitch, and firmware updates that recalibrate the reported SOH by a persistent step.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from domain.vocabulary import Powertrain
from simulators.climate import REGIONS, ColdSnap
from simulators.fleet import Fleet, Vehicle, build_fleet, rng_for

# (share of the fleet, weekday km range, weekend km range, city share range)
PROFILES: dict[str, tuple[float, tuple[float, float], tuple[float, float], tuple[float, float]]] = {
    "commuter": (0.6, (25.0, 60.0), (5.0, 40.0), (0.5, 0.8)),
    "ride_hailing": (0.1, (150.0, 260.0), (120.0, 220.0), (0.75, 0.95)),
    "weekend": (0.3, (0.0, 12.0), (40.0, 140.0), (0.2, 0.5)),
}
FAULT_RATES = {  # share of eligible vehicles that get the fault during the window
    "ageing_12v": 0.08,
    "drain_12v": 0.05,
    "ev_cell_fault": 0.08,
    "dragging_caliper": 0.03,
    "brake_fluid_leak": 0.03,
}


@dataclass(frozen=True, slots=True)
class FaultPlan:
    """One injected fault: which, from which local date, and how many days its ramp takes to reach failure."""

    mode: str
    start: date
    days: int
    rate: float = 0.0  # mode-specific strength (extra SOH fade %/year, wear multiplier)


@dataclass(frozen=True, slots=True)
class VehiclePlan:
    """Everything that is fixed about one vehicle for the whole history."""

    vehicle: Vehicle
    profile: str
    weekday_km: float
    weekend_km: float
    city_share: float
    style: float  # braking aggressiveness, 1.0 = average
    fast_charge_share: float
    age_days: int  # age at the first day of the window
    faults: tuple[FaultPlan, ...]
    silent: tuple[date, int] | None  # (from, days) without any report
    late_batches: bool  # delivers its samples days late, in batches
    odometer_glitch_days: frozenset[date]
    recalibrations: tuple[tuple[date, float], ...]  # (day, step in SOH percent)

    def fault(self, mode: str) -> FaultPlan | None:
        """Return the fault of that mode, or None."""
        return next((f for f in self.faults if f.mode == mode), None)


@dataclass(frozen=True, slots=True)
class LifecycleScenario:
    """A fleet, its history window of local dates [first, first + days), cold snaps and the vehicle plans."""

    seed: int
    first: date
    days: int
    fleet: Fleet
    plans: tuple[VehiclePlan, ...]
    cold_snaps: tuple[ColdSnap, ...] = field(default=())


def _faults(rng: random.Random, vehicle: Vehicle, first: date, days: int) -> tuple[FaultPlan, ...]:
    engine = vehicle.powertrain is not Powertrain.EV
    eligible = {
        "ageing_12v": engine,
        "drain_12v": True,
        "ev_cell_fault": vehicle.powertrain is Powertrain.EV,
        "dragging_caliper": True,
        "brake_fluid_leak": True,
    }
    out = []
    for mode, share in FAULT_RATES.items():
        if not eligible[mode] or rng.random() >= share:
            continue
        start = first + timedelta(days=rng.randrange(0, max(1, days - 20)))
        if mode == "ageing_12v":
            out.append(FaultPlan(mode, start, rng.randint(50, 150)))
        elif mode == "drain_12v":
            out.append(FaultPlan(mode, start, rng.randint(20, 60)))
        elif mode == "ev_cell_fault":
            out.append(FaultPlan(mode, start, 0, rate=rng.uniform(8.0, 20.0)))
        elif mode == "dragging_caliper":
            out.append(FaultPlan(mode, start, 0, rate=rng.uniform(5.0, 8.0)))
        else:
            out.append(FaultPlan(mode, start, rng.randint(30, 90)))
    # One 12 V failure mode at a time keeps the ground truth unambiguous.
    if any(f.mode == "ageing_12v" for f in out):
        out = [f for f in out if f.mode != "drain_12v"]
    return tuple(out)


def _plan(seed: int, vehicle: Vehicle, first: date, days: int) -> VehiclePlan:
    rng = rng_for(seed, vehicle.vin, "lifecycle")
    names = list(PROFILES)
    profile = rng.choices(names, weights=[PROFILES[n][0] for n in names])[0]
    _, weekday, weekend, city = PROFILES[profile]
    silent = None
    if rng.random() < 0.02:
        silent = (first + timedelta(days=rng.randrange(0, days)), rng.randint(5, 40))
    glitches = frozenset(
        first + timedelta(days=rng.randrange(0, days)) for _ in range(2 if rng.random() < 0.02 else 0)
    )
    recal: tuple[tuple[date, float], ...] = ()
    if vehicle.powertrain is not Powertrain.ICE and rng.random() < 0.3:
        step = rng.choice((-1.0, 1.0)) * rng.uniform(1.0, 2.5)
        recal = ((first + timedelta(days=rng.randrange(0, days)), round(step, 2)),)
    return VehiclePlan(
        vehicle=vehicle,
        profile=profile,
        weekday_km=rng.uniform(*weekday),
        weekend_km=rng.uniform(*weekend),
        city_share=rng.uniform(*city),
        style=min(1.8, max(0.6, rng.lognormvariate(0.0, 0.2))),
        fast_charge_share=rng.uniform(0.0, 0.6) if profile != "ride_hailing" else rng.uniform(0.4, 0.9),
        age_days=max(60, (first.year - vehicle.model_year) * 365 + rng.randrange(0, 365)),
        faults=_faults(rng, vehicle, first, days),
        silent=silent,
        late_batches=rng.random() < 0.05,
        odometer_glitch_days=glitches,
        recalibrations=recal,
    )


def cold_snaps(seed: int, first: date, days: int) -> tuple[ColdSnap, ...]:
    """Return 1–3 cold snaps per region and winter inside the window (Nov–Mar), 6–12 °C colder for 3–8 days."""
    rng = rng_for(seed, "cold_snaps")
    snaps = []
    for region in REGIONS:
        for offset in range(days):
            day = first + timedelta(days=offset)
            if day.month in (11, 12, 1, 2, 3) and rng.random() < 0.012:
                snaps.append(ColdSnap(region, day, rng.randint(3, 8), round(rng.uniform(6.0, 12.0), 1)))
    return tuple(snaps)


def build_lifecycle(
    seed: int, n_vehicles: int, first: date, days: int, *, ev_share: float = 0.35
) -> LifecycleScenario:
    """Return the evaluation scenario of `seed`: fleet, per-vehicle plans and the region's cold snaps."""
    if n_vehicles < 1 or days < 30:
        raise ValueError("a lifecycle scenario needs at least 1 vehicle and 30 days")
    fleet = build_fleet(seed, n_vehicles, ev_share)
    plans = tuple(_plan(seed, v, first, days) for v in fleet.vehicles)
    return LifecycleScenario(seed, first, days, fleet, plans, cold_snaps(seed, first, days))
