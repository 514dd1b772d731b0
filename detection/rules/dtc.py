"""Diagnostic trouble codes: the codes the car stored (VSS ``Vehicle.Diagnostics.DTCList``), read as a workshop would.

OBD codes mature: a fault seen in one drive cycle is *pending*; seen again it is *confirmed* (stored, often with the
MIL, the check-engine light, on). A pending code that shows once and is gone the next day is a glitch (a voltage dip
while cranking, a fuel cap tightened at the next fill) and raises nothing. The rule flags a car when, since the codes
were last cleared:

- a code is confirmed in its latest report (`dtc_confirmed`, or `dtc_mil` when the car asked for its warning lamp);
- a pending code keeps coming back: seen on `min_repeats` days within `repeat_days` and last seen within `hold_days`
  (`dtc_recurring`: an intermittent fault on its way to being confirmed). Codes the catalogue marks self-clearing
  (a loose fuel cap) need `min_repeats_self_clearing` days.

A confirmed code that disappears from the list was cleared (by a workshop, or by the car after the fault stayed
away): what came before no longer counts, and the car's next report without codes resolves the risk. A car is judged
only when it reported a DTC list within `recent_days`. Severity and whether to drive on come from the catalogue
(domain/dtc.py); the MIL raises a medium code to high.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import pandas as pd

from detection.flags import RiskFlag, RuleResult, result
from detection.frame import DTC_COLUMN, day_of, today
from detection.groups import cars
from domain.dtc import DtcReport, describe, parse_list
from domain.evidence import Comparison, DtcCode, DtcEvidence, EvidenceSignal, Reading
from domain.vocabulary import SEVERITY_ORDER, RiskKind, Severity

RULE_ID = "dtc_codes"
RULE_VERSION = 1
KIND = RiskKind.DTC
SIGNAL = EvidenceSignal.DTC_LIST


@dataclass(frozen=True, slots=True)
class Params:
    window_days: int = 30
    recent_days: int = 3
    repeat_days: int = 14
    min_repeats: int = 2
    min_repeats_self_clearing: int = 3
    hold_days: int = 7


@dataclass(frozen=True, slots=True)
class Seen:
    """One code over the days since the last clear: its reports, oldest first, with their age in days."""

    code: str
    ages: tuple[int, ...]
    last: DtcReport


def since_clear(days: list[tuple[int, tuple[DtcReport, ...]]]) -> list[tuple[int, tuple[DtcReport, ...]]]:
    """Return the reports (age, codes; oldest first) after the last clear: a report missing a code that was
    confirmed in the report before it."""
    start = 0
    for i in range(1, len(days)):
        now = {r.code for r in days[i][1]}
        if any(r.confirmed and r.code not in now for r in days[i - 1][1]):
            start = i
    return days[start:]


def judge(days: list[tuple[int, tuple[DtcReport, ...]]], *, params: Params) -> tuple[str, list[Seen]] | None:
    """Return (diagnosis, the codes that make the risk, worst first) for one car's reports, or None when nothing
    does. `days`: (age in days, the reported codes), oldest first."""
    days = since_clear(days)
    if not days:
        return None
    latest_age, latest = days[-1]
    seen: dict[str, list[int]] = {}
    last: dict[str, DtcReport] = {}
    for age, reports in days:
        for r in reports:
            seen.setdefault(r.code, []).append(age)
            last[r.code] = r
    hits: list[Seen] = []
    for r in latest:
        if r.confirmed:
            hits.append(Seen(r.code, tuple(seen[r.code]), r))
    confirmed = {h.code for h in hits}
    for code, ages in seen.items():
        if code in confirmed:
            continue
        recent = [a for a in ages if a < params.repeat_days]
        need = params.min_repeats_self_clearing if describe(code).self_clearing else params.min_repeats
        if len(recent) >= need and min(ages) < params.hold_days:
            hits.append(Seen(code, tuple(ages), last[code]))
    if not hits:
        return None
    hits.sort(key=lambda h: (-SEVERITY_ORDER[_severity(h)], not h.last.confirmed, h.code))
    if any(h.last.confirmed and h.last.mil for h in hits):
        return "dtc_mil", hits
    return ("dtc_confirmed" if confirmed else "dtc_recurring"), hits


_LEVELS = list(Severity)


def _severity(seen: Seen) -> Severity:
    """Return the catalogue severity, one step up for a lit MIL (up to high), one down while only pending."""
    level = SEVERITY_ORDER[describe(seen.code).severity]
    if seen.last.mil and level < SEVERITY_ORDER[Severity.HIGH]:
        level += 1
    elif not seen.last.confirmed and level > SEVERITY_ORDER[Severity.LOW]:
        level -= 1
    return _LEVELS[level]


def _flag(vehicle_id: int, diagnosis: str, hits: list[Seen], rows: pd.DataFrame, now: datetime) -> RiskFlag:
    last_rows = rows.iloc[-5:]
    readings = [
        Reading(
            signal=SIGNAL,
            aggregate="daily_last",
            day=day_of(r.day),
            value=len(str(r.dtc_codes).split()),
            threshold=1,
            op=Comparison.GE,
        )
        for r in last_rows.itertuples(index=False)
        if isinstance(r.dtc_codes, str)
    ]
    day0 = today(now)
    codes = [
        DtcCode(code=h.code, confirmed=h.last.confirmed, mil=h.last.mil, days_seen=len(h.ages),
                first_seen=day0 - timedelta(days=max(h.ages)), last_seen=day0 - timedelta(days=min(h.ages)))
        for h in hits
    ]  # fmt: skip
    worst = describe(hits[0].code)
    evidence = DtcEvidence(
        readings=readings, threshold=1, op=Comparison.GE, codes=codes, mil_on=any(h.last.mil for h in hits),
        drivable=all(describe(h.code).drivable for h in hits), skill=worst.skill,
    )  # fmt: skip
    severity = _severity(hits[0])
    confidence = 0.95 if hits[0].last.confirmed else round(min(0.85, 0.5 + 0.1 * len(hits[0].ages)), 3)
    return RiskFlag(
        vehicle_id=vehicle_id, kind=KIND, rule_id=RULE_ID, rule_version=RULE_VERSION, severity=severity,
        confidence=confidence, diagnosis=diagnosis, evidence=evidence,
    )  # fmt: skip


def evaluate(frame: pd.DataFrame, *, now: datetime, params: Params) -> RuleResult:
    """Return DTC flags: confirmed codes in the latest report, or pending codes that keep coming back."""
    flags: list[RiskFlag] = []
    evaluated: list[int] = []
    if DTC_COLUMN not in frame:
        return result(rule_id=RULE_ID, kind=KIND, flags=flags, evaluated=evaluated)
    for car in cars(frame, now=now, columns=(DTC_COLUMN,)):
        texts = car[DTC_COLUMN]
        keep = [i for i in np.flatnonzero(car.age < params.window_days).tolist() if isinstance(texts[i], str)]
        if not keep or car.age[keep[-1]] >= params.recent_days:
            continue
        evaluated.append(car.vehicle_id)
        if not any(texts[i] for i in keep):
            continue  # no code in the window: most cars on most days, judged without parsing
        days = [(int(car.age[i]), parse_list(texts[i].split())) for i in keep]
        found = judge(days, params=params)
        if found is not None:
            diagnosis, hits = found
            rows = car.rows().iloc[keep]
            flags.append(_flag(car.vehicle_id, diagnosis, hits, rows, now))
    return result(rule_id=RULE_ID, kind=KIND, flags=flags, evaluated=evaluated)
