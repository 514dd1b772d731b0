"""Scheduled service of one lifecycle vehicle: the countdown it reports (``Vehicle.Service.*``), the owner's visits
to the workshop and their ground truth (``history.Truth`` rows for the maintenance rule).

Own random stream per vehicle (``rng_for(seed, vin, "service")``), so this model leaves every other component's
draws unchanged.

- Interval by powertrain and brand, whichever comes first: combustion cars 10,000 km or 12 months, hybrids and
  premium combustion cars 15,000 km or 12 months, EVs 20,000 km or 24 months; Tesla has no distance interval
  (time only: its cars report no ``DistanceToService``).
- On the first day the car is somewhere inside its interval (days since the last service uniform over the
  interval, the distance at the owner's usual daily use). The countdown then follows the distance actually
  driven each day and the calendar; it goes negative once overdue (VSS: a negative value means overdue).
- The owner: for each interval 20 % go early, as soon as their own reckoning (time left, or distance left at their
  usual daily use) is 1–10 days; 55 % go 0–7 days after it falls due; 25 % go 8–45 days after. The service resets
  both counts to the full interval.
- Cars of model year 2018 or older do not report ``Vehicle.Service.*`` (older telematics units): the rule cannot
  judge them, so no ground truth is written for them (their service is the dealer's business, not a detection).
- The cluster sends the countdown with the morning report on days the car is driven (at ignition): whole km and
  whole days.

Ground truth, one event per interval: the service falls due on the day the countdown reaches zero (mode
``distance`` or ``time``, whichever first), serviced on the day of the visit; an owner who goes early ends the
interval on the visit, so that day is both its due date and its service date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from domain.vocabulary import Powertrain, RiskKind
from simulators.fleet import Vehicle, rng_for
from simulators.lifecycle import VehiclePlan

# (km, days) per powertrain and brand overrides; km None = no distance interval.
INTERVALS: dict[Powertrain, tuple[float | None, int]] = {
    Powertrain.ICE: (10_000.0, 365),
    Powertrain.HYBRID: (15_000.0, 365),
    Powertrain.EV: (20_000.0, 730),
}
BRAND_INTERVALS: dict[tuple[str, Powertrain], tuple[float | None, int]] = {
    ("Audi", Powertrain.ICE): (15_000.0, 365),
    ("Tesla", Powertrain.EV): (None, 730),
}
FIRST_REPORTING_YEAR = 2019
# (share, kind, low, high): early = margin in days before due by the owner's reckoning, else days after due.
OWNERS = ((0.20, "early", 1, 10), (0.55, "prompt", 0, 7), (0.25, "late", 8, 45))
# (kind, mode, fault start, failure, service): history turns these into Truth rows.
Event = tuple[RiskKind, str, date | None, date, date | None]


@dataclass(frozen=True, slots=True)
class Interval:
    """A car's service interval: distance (None: none) or time, whichever first; and whether it reports them."""

    km: float | None
    days: int
    reports: bool


def interval_for(vehicle: Vehicle) -> Interval:
    """Return the service interval of `vehicle` by brand and powertrain."""
    km, days = BRAND_INTERVALS.get((vehicle.brand, vehicle.powertrain), INTERVALS[vehicle.powertrain])
    return Interval(km, days, vehicle.model_year >= FIRST_REPORTING_YEAR)


class ServiceSchedule:
    """Steps one car's service countdown day by day and collects its due dates and services."""

    def __init__(self, plan: VehiclePlan, *, seed: int) -> None:
        self.rng = rng_for(seed, plan.vehicle.vin, "service")
        self.interval = interval_for(plan.vehicle)
        self.usual_km = (5.0 * plan.weekday_km + 2.0 * plan.weekend_km) / 7.0
        cycle = float(self.interval.days)
        if self.interval.km is not None and self.usual_km > 0:
            cycle = min(cycle, self.interval.km / self.usual_km)
        since = self.rng.uniform(0.0, 0.97 * cycle)
        self.days_left = self.interval.days - since
        self.km_left: float | None = None
        if self.interval.km is not None:
            driven = since * self.usual_km * self.rng.uniform(0.9, 1.1)
            self.km_left = max(0.02 * self.interval.km, self.interval.km - driven)
        self.due: tuple[date, str] | None = None
        self.visit: date | None = None
        self.events: list[Event] = []
        self._owner()

    def _owner(self) -> None:
        _, kind, low, high = self.rng.choices(OWNERS, weights=[o[0] for o in OWNERS])[0]
        self.owner = (kind, self.rng.randint(low, high))

    def _reckoned_days(self) -> tuple[float, str]:
        """Return the owner's days left (distance at their usual daily use, or time) and which measure it is."""
        by_km = self.km_left / self.usual_km if self.km_left is not None and self.usual_km > 0 else None
        if by_km is not None and by_km < self.days_left:
            return by_km, "distance"
        return self.days_left, "time"

    def step(self, day: date, km: float) -> None:
        """Count down the day's distance and the day; fall due, book and have the service as the owner does."""
        if self.km_left is not None:
            self.km_left -= km
        self.days_left -= 1.0
        kind, days = self.owner
        if self.due is None:
            if (self.km_left is not None and self.km_left <= 0) or self.days_left <= 0:
                mode = "distance" if self.km_left is not None and self.km_left <= 0 else "time"
                self.due = (day, mode)
                self.visit = day + timedelta(days=days if kind != "early" else 0)
            elif kind == "early":
                left, mode = self._reckoned_days()
                if left <= days:
                    self.due, self.visit = (day, mode), day
        if self.visit == day and self.due is not None:
            self._serviced(day, *self.due)

    def _serviced(self, day: date, due: date, mode: str) -> None:
        if self.interval.reports:
            self.events.append((RiskKind.MAINTENANCE_DUE, mode, None, due, day))
        self.km_left = self.interval.km
        self.days_left = float(self.interval.days)
        self.due, self.visit = None, None
        self._owner()

    def reading(self, *, driven: bool) -> tuple[float | None, int | None]:
        """Return (km, seconds) to service as the car reports them today; (None, None) when it sends none."""
        if not self.interval.reports or not driven:
            return None, None
        km = None if self.km_left is None else float(round(self.km_left))
        return km, int(self.days_left) * 86400

    def finish(self) -> list[Event]:
        """Return every event; one fallen due and not yet serviced has no service date."""
        pending = []
        if self.due is not None and self.interval.reports:
            pending.append((RiskKind.MAINTENANCE_DUE, self.due[1], None, self.due[0], None))
        return [*self.events, *pending]
