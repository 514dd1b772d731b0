"""Scoring alerts against ground truth: episodes from a replay, matched to failures, per-rule figures.

An *episode* is one open risk as the production lifecycle keeps it: opened by a flag, kept while the rule flags or
cannot judge the vehicle, closed when the rule evaluates the vehicle and does not flag it. An episode is a true
alert when a failure of the same kind on that vehicle lies within the kind's horizon after its first alert (or the
failure already happened and the part has not been serviced yet). A failure is detected when a true episode began
before its service date; the lead time is failure date minus first alert date.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

# How long before a failure an alert still counts as a true warning of it, per risk kind (the rules' horizons
# plus slack for the projection's uncertainty); winter preparation is due at the onset of the cold.
HORIZON_DAYS = {
    "battery_12v": 60,
    "brake_pads": 60,
    "ev_battery_soh": 400,
    # winter and summer onsets (issue #20): a warning up to two weeks before the season's true onset (the simulator's
    # climate, not the forecast) is a true one, the time an owner needs to book winter tyres or an A/C check
    "winter_prep": 14,
    # seasonal care (H4): rule horizons plus slack; summer onset like winter; a holiday check is due at the peak
    "wipers": 45,
    "tyre_pressure": 30,
    "summer_care": 14,
    "holiday_trip": 21,
    # maintenance: the rule flags at 14 days (or 500 km) left by its forecast; two weeks' slack for a forecast from
    # the last four weeks' average use when the car is then driven less (and for a low-mileage car, whose 500 km
    # come more than 14 days ahead); an early owner's service ends the interval (due = service day)
    "maintenance_due": 28,
    # a DTC flags a recurring pending code before it is confirmed (the failure date): an intermittent spell lasts
    # up to 20 days (simulators.dtc), plus slack
    "dtc": 30,
}
# After a failure without a recorded service (winter), alerts within this many days still match.
GRACE_DAYS = 21
# Failures that last until the part is replaced: a traction battery below its SOH limit does not come back by
# itself, so "SOH is below 80 %" stays a true statement for as long as the pack is in the car (no service date).
PERSISTENT = frozenset({"ev_battery_soh"})


@dataclass(frozen=True, slots=True)
class Event:
    """A ground-truth failure."""

    vehicle_id: int
    kind: str
    mode: str
    failure: date
    service: date | None


@dataclass(slots=True)
class Episode:
    """One open risk of the replay."""

    vehicle_id: int
    kind: str
    first: date
    last: date


@dataclass(slots=True)
class Lifecycle:
    """Replays the risk table: one open episode per vehicle and kind."""

    open: dict[tuple[int, str], Episode] = field(default_factory=dict)
    closed: list[Episode] = field(default_factory=list)

    def apply(self, *, kind: str, day: date, flagged: Iterable[int], evaluated: Iterable[int]) -> None:
        """Open or extend episodes for flagged vehicles; close those evaluated and not flagged."""
        hit = set(flagged)
        for vid in hit:
            ep = self.open.setdefault((vid, kind), Episode(vid, kind, day, day))
            ep.last = day
        for vid in set(evaluated) - hit:
            ended = self.open.pop((vid, kind), None)
            if ended is not None:
                self.closed.append(ended)

    def episodes(self) -> list[Episode]:
        """Return every episode, closed or still open."""
        return [*self.closed, *self.open.values()]


def _matches(ep: Episode, ev: Event) -> bool:
    if ev.service is not None:
        end = ev.service
    elif ev.kind in PERSISTENT:
        end = date.max
    else:
        end = ev.failure + timedelta(days=GRACE_DAYS)
    return ev.failure - timedelta(days=HORIZON_DAYS[ev.kind]) <= ep.first <= end


def score(
    *,
    episodes: list[Episode],
    events: list[Event],
    kinds: Iterable[str],
    start: date,
    end: date,
    vehicles: int,
) -> dict[str, dict]:
    """Return per kind: precision, recall, lead-time median/p10, false alarms per 1,000 vehicle-months, counts."""
    months = vehicles * ((end - start).days + 1) / 30.44
    out: dict[str, dict] = {}
    for kind in kinds:
        eps = [e for e in episodes if e.kind == kind]
        evs = [e for e in events if e.kind == kind]
        by_vehicle: dict[int, list[Event]] = {}
        for ev in evs:
            by_vehicle.setdefault(ev.vehicle_id, []).append(ev)
        true_eps = [e for e in eps if any(_matches(e, ev) for ev in by_vehicle.get(e.vehicle_id, ()))]
        scored = [ev for ev in evs if start <= ev.failure <= end]
        leads: list[int] = []
        modes: dict[str, list[int]] = {}
        for ev in scored:
            firsts = [e.first for e in true_eps if e.vehicle_id == ev.vehicle_id and _matches(e, ev)]
            hit = bool(firsts)
            seen = modes.setdefault(ev.mode, [0, 0])
            seen[0], seen[1] = seen[0] + hit, seen[1] + 1
            if hit:
                leads.append((ev.failure - min(firsts)).days)
        false = len(eps) - len(true_eps)
        out[kind] = {
            "alerts": len(eps), "true_alerts": len(true_eps), "failures": len(scored), "detected": len(leads),
            "precision": _ratio(len(true_eps), len(eps)), "recall": _ratio(len(leads), len(scored)),
            "lead_days_median": float(statistics.median(leads)) if leads else None,
            "lead_days_p10": float(np.percentile(leads, 10)) if leads else None,
            "false_alarms_per_1000_vehicle_months": round(1000.0 * false / months, 2) if months else None,
            "recall_by_mode": {m: _ratio(h, n) for m, (h, n) in sorted(modes.items())},
            "false_alert_sample": [
                [e.vehicle_id, e.first.isoformat()] for e in eps if e not in true_eps
            ][:5],
        }  # fmt: skip
    return out


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 3) if b else None


def table(figures: Mapping[str, Mapping]) -> str:
    """Return the figures as a fixed-width text table."""
    head = f"{'rule':<16}{'alerts':>7}{'fail':>6}{'prec':>7}{'recall':>8}{'lead50':>8}{'lead10':>8}{'FA/1k vm':>10}"
    lines = [head, "-" * len(head)]
    for kind, f in figures.items():

        def fmt(v: float | None, d: int = 3) -> str:
            return "-" if v is None else f"{v:.{d}f}"

        lines.append(
            f"{kind:<16}{f['alerts']:>7}{f['failures']:>6}{fmt(f['precision']):>7}{fmt(f['recall']):>8}"
            f"{fmt(f['lead_days_median'], 0):>8}{fmt(f['lead_days_p10'], 0):>8}"
            f"{fmt(f['false_alarms_per_1000_vehicle_months'], 1):>10}"
        )
    return "\n".join(lines)
