"""Diagnostic trouble code episodes of one simulated vehicle: the DTC list it reports each day, and the ground truth.

Both simulators draw them from here: the lifecycle history (simulators/history.py, the backfill) and the live fleet
(simulators/models.py, what ``carecast up`` publishes over MQTT). The draws depend only on the seed, the VIN, the
powertrain and the window, so the same car over the same window has the same episodes in both.

Three kinds of episode, drawn from the vehicle's own random stream (the other parts' draws are untouched):

- a **real fault** (ground truth, kind ``dtc``): a catalogue code that fits the powertrain. It matures as OBD codes
  do, in one of three ways (the truth's `mode`): ``immediate`` (confirmed the first day: a circuit fault, a one-trip
  code), ``two_trip`` (pending one day, confirmed the next) or ``intermittent`` (pending on some days of a 4–20 day
  spell, then confirmed). A confirmed code stays, most powertrain codes with the MIL on, until the owner has it
  repaired 2–30 days later (the workshop clears it: the list is empty from that day); one in seven is not repaired
  within the history. The failure date is the day the code is confirmed.
- a **transient glitch** (no truth): one pending code for one day that clears itself (a voltage dip while cranking, a
  loose fuel cap tightened at the next fill). Codes the catalogue marks ``self_clearing`` are the likeliest.
- a **workshop clear** ends every real fault: the code is gone from the next report.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, timedelta

from domain.dtc import DtcReport, catalogue
from domain.vocabulary import Powertrain, RiskKind
from simulators.fleet import Vehicle, rng_for

DTC_LIST = "Vehicle.Diagnostics.DTCList"
FAULT_RATE = 0.08  # share of vehicles with a real fault during the window
GLITCHES_PER_YEAR = 0.6  # transient glitches per vehicle and year
MODES: dict[str, float] = {"immediate": 0.3, "two_trip": 0.4, "intermittent": 0.3}
# Codes of an engine (ICE and hybrid) and of an electric drive; chassis, body and network codes fit every car.
_EV_ONLY = frozenset({"P0A80", "P0AA6", "U0293"})


@dataclass(frozen=True, slots=True)
class Episode:
    """One real fault: its code, how it matures, its pending days, the day it is confirmed and repaired."""

    code: str
    mode: str
    start: date
    confirmed: date
    pending_days: frozenset[date]
    mil: bool
    repaired: date | None


def codes_for(powertrain: Powertrain) -> tuple[str, ...]:
    """Return the catalogue codes a car of `powertrain` can report."""
    out = []
    for code in sorted(catalogue()):
        if code.startswith("P") and powertrain is Powertrain.EV:
            if code in _EV_ONLY:
                out.append(code)
        elif code in _EV_ONLY and powertrain is Powertrain.ICE:
            continue
        else:
            out.append(code)
    return tuple(out)


class DtcEpisodes:
    """The DTC episodes of one vehicle over the window (and the lookahead), and its daily DTC list."""

    def __init__(self, vehicle: Vehicle, *, seed: int, first: date, days: int):
        """Draw the episodes of `vehicle` over the `days` local dates from `first` (faults start inside them)."""
        self.vin = vehicle.vin
        rng = rng_for(seed, vehicle.vin, "dtc")
        codes = codes_for(vehicle.powertrain)
        flaky = [c for c in codes if catalogue()[c].self_clearing]
        self.faults: list[Episode] = []
        if rng.random() < FAULT_RATE:
            self.faults.append(_fault(rng, rng.choice(codes), first + timedelta(days=rng.randrange(days))))
        self.glitches: dict[date, str] = {}
        for _ in range(_poisson(rng, GLITCHES_PER_YEAR * days / 365.0)):
            day = first + timedelta(days=rng.randrange(days))
            self.glitches[day] = rng.choice(flaky) if rng.random() < 0.6 else rng.choice(codes)

    def reading(self, day: date) -> list[str]:
        """Return the DTC list the car reports on `day` (entries ``CODE:SS``, see domain.dtc)."""
        out: dict[str, DtcReport] = {}
        for f in self.faults:
            if f.repaired is not None and day >= f.repaired:
                continue
            if day >= f.confirmed:
                out[f.code] = DtcReport(f.code, pending=day == f.confirmed, confirmed=True, mil=f.mil)
            elif day in f.pending_days:
                out[f.code] = DtcReport(f.code, pending=True, confirmed=False, mil=False)
        glitch = self.glitches.get(day)
        if glitch is not None and glitch not in out:
            out[glitch] = DtcReport(glitch, pending=True, confirmed=False, mil=False)
        return [out[c].encode() for c in sorted(out)]

    def truths(self) -> list[tuple[RiskKind, str, date, date, date | None]]:
        """Return (kind, mode, fault start, failure = confirmed, service = repaired) of every real fault."""
        return [(RiskKind.DTC, f.mode, f.start, f.confirmed, f.repaired) for f in self.faults]


def _fault(rng: random.Random, code: str, start: date) -> Episode:
    mode = rng.choices(list(MODES), weights=list(MODES.values()))[0]
    if mode == "immediate":
        confirmed, pending = start, frozenset[date]()
    elif mode == "two_trip":
        confirmed, pending = start + timedelta(days=1), frozenset({start})
    else:
        spell = rng.randint(4, 20)
        confirmed = start + timedelta(days=spell)
        later = {start + timedelta(days=d) for d in range(1, spell) if rng.random() < 0.5}
        pending = frozenset({start} | later)
    # Emission-related engine codes light the MIL; chassis, body and network faults their own lamps mostly.
    mil = rng.random() < (0.85 if code.startswith("P") else 0.4)
    repaired = None if rng.random() < 1 / 7 else confirmed + timedelta(days=rng.randint(2, 30))
    return Episode(code, mode, start, confirmed, pending, mil, repaired)


def _poisson(rng: random.Random, mean: float) -> int:
    """Return a Poisson draw (Knuth's method: the means here are small)."""
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1
