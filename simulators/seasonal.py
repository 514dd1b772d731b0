"""Season-dependent parts of one simulated vehicle: tyre pressure, wiper-blade failures, the hot season and the
pre-holiday state, with their ground truth (``history.Truth`` rows) for the seasonal rules.

Own random stream per vehicle (``rng_for(seed, vin, "seasonal")``), so adding these models leaves every other
component's draws unchanged.

- Tyres: each tyre has its pressure at 20 °C (filled 232–248 kPa) and reads 1.2 kPa less per °C colder (ideal gas).
  4 % of cars get a slow leak (one tyre, 0.5–2 kPa/day from a random day). Owners have the pressures checked at a
  filling station about every six weeks (tyres under 228 kPa are filled to 240 kPa, before that day's driving); a
  leaking tyre is repaired 1–7 days after it reaches 200 kPa. Failure = the lowest tyre under 210 kPa
  (`slow_leak` or `cold`); it ends with the fill or repair, or when warmer weather brings it back to 215 kPa for
  a week (dated the day it came back).
- Wipers: the wear itself is stepped by ``history`` (rain × driving); failure = crossing 90 % (blades smear),
  service = the day the blades are changed.
- Summer: onset when the region's 7-day mean reaches 26 °C (re-armed below 22 °C), like winter onset.
- Holiday trip: on the first day of the Spring Festival and National Day breaks (``domain.travel_peaks``), a car with
  brake pads at 60 % or more, wipers at 80 % or more or a tyre under 215 kPa is due for a pre-trip check; so is a car
  with such an item in the two weeks before that was fixed before the break (serviced the day it was fixed).
"""

from __future__ import annotations

from datetime import date, timedelta

from domain.travel_peaks import next_peak
from domain.vocabulary import RiskKind
from simulators.climate import Weather
from simulators.fleet import rng_for
from simulators.lifecycle import VehiclePlan
from simulators.onsets import Onsets

TYRE_COEFF_KPA_PER_C = 1.2
TYRE_LOW_KPA = 210.0  # under-inflated (~13 % under a 240 kPa placard): the condition the owner should fix
TYRE_REPAIR_KPA = 200.0  # a leaking tyre this low gets repaired
# Back above this for a week of warmer weather, a cold failure is over.
TYRE_RECOVERED_KPA, TYRE_RECOVERED_DAYS = 215.0, 7
# Owners cannot see 210 or 215 kPa (TPMS warns at 25 % under placard): they have the pressures set at a routine
# check at the filling station, about every six weeks, where a tyre more than ~5 % under 240 kPa gets filled.
TYRE_CHECK_DAILY = 1.0 / 42.0
TYRE_CHECK_KPA = 228.0
WIPER_LIMIT_PCT = 90.0
DUE_PADS_PCT, DUE_WIPER_PCT, DUE_TYRE_KPA = 60.0, 80.0, 215.0
DUE_LEAD_DAYS = 14  # the run-up to a break in which a pre-trip check is booked
# (kind, mode, fault start, failure, service): history turns these into Truth rows.
Event = tuple[RiskKind, str, date | None, date, date | None]


class SeasonalParts:
    """Steps the seasonal parts of one vehicle day by day and collects their ground truth."""

    def __init__(self, plan: VehiclePlan, *, seed: int, first: date, days: int) -> None:
        self.rng = rng_for(seed, plan.vehicle.vin, "seasonal")
        self.base = [self.rng.uniform(232.0, 248.0) for _ in range(4)]
        self.kpa = list(self.base)
        self.leak: tuple[int, date, float] | None = None
        if self.rng.random() < 0.04:
            start = first + timedelta(days=self.rng.randrange(max(1, days)))
            self.leak = (self.rng.randrange(4), start, self.rng.uniform(0.5, 2.0))
        self.leaked = 0.0
        self.repair_on: date | None = None
        self.warm_since: date | None = None
        self.pending: dict[str, tuple[RiskKind, str, date | None, date]] = {}
        self.events: list[Event] = []
        self.summer = Onsets("summer")
        self.wiper = 0.0
        self.trip_state: tuple[float, float, tuple[float, ...]] | None = None
        self.trip_due: dict[str, tuple[date, date | None]] = {}  # item -> (first due in the run-up, fixed on)

    def _open(self, key: str, kind: RiskKind, mode: str, start: date | None, day: date) -> None:
        if key not in self.pending:
            self.pending[key] = (kind, mode, start, day)

    def _close(self, key: str, day: date) -> None:
        if key in self.pending:
            kind, mode, start, failure = self.pending.pop(key)
            self.events.append((kind, mode, start, failure, day))

    def _tyres(self, day: date, mean_c: float) -> None:
        leak = self.leak
        if leak and day >= leak[1] and self.repair_on is None:
            self.leaked += leak[2]
        cold = TYRE_COEFF_KPA_PER_C * (mean_c - 20.0)
        self.kpa = [
            b + cold - (self.leaked if leak and i == leak[0] else 0.0) for i, b in enumerate(self.base)
        ]
        if self.repair_on == day:
            self.leak, self.leaked, self.repair_on = None, 0.0, None
            self._refill(day, mean_c)
        elif (
            self.repair_on is None and self.rng.random() < TYRE_CHECK_DAILY and min(self.kpa) < TYRE_CHECK_KPA
        ):
            # A routine check before the day's driving: a tyre filled the day it got cold never ran
            # under-inflated, and the car never reported it low (no failure to find).
            self._refill(day, mean_c)
        if min(self.kpa) < TYRE_LOW_KPA:
            leaking = bool(leak and day >= leak[1] and self.kpa[leak[0]] == min(self.kpa))
            self._open("tyres", RiskKind.TYRE_PRESSURE, "slow_leak" if leaking else "cold",
                       leak[1] if leaking and leak else None, day)  # fmt: skip
            if leaking and self.repair_on is None and min(self.kpa) < TYRE_REPAIR_KPA:
                self.repair_on = day + timedelta(days=self.rng.randint(1, 7))
        if min(self.kpa) < TYRE_RECOVERED_KPA:
            self.warm_since = None
        elif "tyres" in self.pending:
            # Warmer weather brought the tyre back to a normal pressure. Once it stays there for a week the cold
            # spell is over and the tyre is no longer under-inflated (a later cold spell is a new failure), ending
            # the day it came back; a tyre hovering at the limit all winter is one failure, not one per mild day.
            self.warm_since = self.warm_since or day
            if (day - self.warm_since).days >= TYRE_RECOVERED_DAYS - 1:
                self._close("tyres", self.warm_since)

    def _refill(self, day: date, mean_c: float) -> None:
        """The owner fills every tyre to 240 kPa at today's temperature (a leak keeps leaking from there)."""
        cold = TYRE_COEFF_KPA_PER_C * (mean_c - 20.0)
        self.base = [240.0 - cold for _ in self.base]
        self.leaked = 0.0
        self.kpa = [240.0] * 4
        self._close("tyres", day)

    def _wipers(self, day: date, wear: float) -> None:
        if wear + 20.0 < self.wiper:
            self._close("wipers", day)
        elif wear >= WIPER_LIMIT_PCT:
            self._open("wipers", RiskKind.WIPERS, "blade_wear", None, day)
        self.wiper = wear

    def _summer(self, day: date, mean_c: float) -> None:
        if self.summer.step(mean_c):
            self.events.append((RiskKind.SUMMER_CARE, "summer_onset", None, day, None))

    def _holiday(self, day: date, pads: list[float]) -> None:
        state = (max(pads), self.wiper, tuple(self.base))
        before, self.trip_state = self.trip_state, state
        peak = next_peak(day, within_days=DUE_LEAD_DAYS)
        if peak is None:
            self.trip_due.clear()
            return
        due = [name for name, hit in (("brake_pads", max(pads) >= DUE_PADS_PCT),
                                      ("wipers", self.wiper >= DUE_WIPER_PCT),
                                      ("tyre_pressure", min(self.kpa) < DUE_TYRE_KPA)) if hit]  # fmt: skip
        if peak.start != day:
            # An item due in the run-up and fixed before the break (pads replaced, blades changed, tyres filled)
            # was a check the car needed: the owner had it done, so an alert before that day was right.
            fixed = before is not None and {"brake_pads": state[0] < before[0] - 20.0,
                                            "wipers": state[1] < before[1] - 20.0,
                                            "tyre_pressure": state[2] != before[2]}  # fmt: skip
            for name in list(self.trip_due):
                if fixed and fixed[name] and name not in due and self.trip_due[name][1] is None:
                    self.trip_due[name] = (self.trip_due[name][0], day)
            for name in due:
                if name not in self.trip_due or self.trip_due[name][1] is not None:
                    self.trip_due[name] = (day, None)
            return
        if due:
            self.events.append((RiskKind.HOLIDAY_TRIP, due[0], None, day, None))
        else:
            done = sorted(
                (first, fix, name) for name, (first, fix) in self.trip_due.items() if fix is not None
            )
            if done:
                first, fix, name = done[0]
                self.events.append((RiskKind.HOLIDAY_TRIP, name, None, first, fix))
        self.trip_due.clear()

    def step(self, day: date, weather: Weather, *, wiper: float, pads: list[float]) -> None:
        """Advance one local day (after history stepped the wiper wear and the pads)."""
        self._tyres(day, weather.mean_c)
        self._wipers(day, wiper)
        self._summer(day, weather.mean_c)
        self._holiday(day, pads)

    def finish(self) -> list[Event]:
        """Return every event, failures not yet serviced with no service date."""
        return [*self.events, *((k, m, s, f, None) for k, m, s, f in self.pending.values())]
