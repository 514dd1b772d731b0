"""Silent customers (pure): a car that drives regularly but has not been to a center for a year becomes an
outreach task for its preferred center's advisor, with the most useful reason to call."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class OutreachParams:
    """When a customer counts as silent, and what counts as driving regularly."""

    silent_for: timedelta = timedelta(days=365)
    active_days: int = 12  # days with telemetry in the last 30
    service_due_km: float = 1000.0


@dataclass(frozen=True, slots=True)
class CarActivity:
    """What we know about a car's use and its last visit."""

    last_visit: datetime
    active_days: int
    service_km: float | None
    soh_pct: float | None


@dataclass(frozen=True, slots=True)
class Outreach:
    """Why the advisor should call, as a code, a readable reason and its figures."""

    reason: str
    text: str
    detail: dict[str, float]


def outreach_for(car: CarActivity, *, now: datetime, params: OutreachParams) -> Outreach | None:
    """Return the outreach task for a silent, regularly driven car; None when it is not silent or not driven."""
    if now - car.last_visit < params.silent_for or car.active_days < params.active_days:
        return None
    months = int((now - car.last_visit).days // 30)
    if car.service_km is not None and car.service_km <= params.service_due_km:
        km = max(0, round(car.service_km / 100) * 100)
        return Outreach(
            "due_for_maintenance", f"due for maintenance in ~{km} km", {"km": km, "months": months}
        )
    if car.soh_pct is not None:
        soh = round(car.soh_pct, 1)
        return Outreach(
            "battery_report_ready",
            f"battery report ready (health {soh} %)",
            {"soh_pct": soh, "months": months},
        )
    return Outreach("no_visit", f"no visit for {months} months", {"months": months})
