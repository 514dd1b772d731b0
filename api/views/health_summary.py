"""The owner's health summary of one car from its daily rollup and open risks (pure, no I/O)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from api.views.soh_forecast import fit_soh

# Brake pads are replaced at 80 % wear (0 = new, 100 = worn).
PAD_REPLACE_AT = 80.0


def _latest(rows: list[dict[str, Any]], column: str) -> tuple[date, float] | None:
    for row in reversed(rows):
        if row[column] is not None:
            return row["day"], float(row[column])
    return None


def _status(kind: str, risks: dict[str, dict[str, Any]], has_data: bool) -> str:
    if kind in risks:
        return "attention"
    return "ok" if has_data else "unknown"


def _risk(risk: dict[str, Any] | None) -> dict[str, Any] | None:
    if risk is None:
        return None
    keys = ("severity", "diagnosis", "predicted_date", "predicted_low", "predicted_high")
    return {k: risk[k] for k in keys}


def soh_points(rows: list[dict[str, Any]]) -> list[tuple[date, float]]:
    """Return the (day, SOH %) readings of the rollup rows that have one."""
    return [(row["day"], float(row["hv_soh_avg"])) for row in rows if row["hv_soh_avg"] is not None]


def summarize(
    *,
    powertrain: str,
    rows: list[dict[str, Any]],
    risks: list[dict[str, Any]],
    upcoming: list[dict[str, Any]],
    soh_threshold: float,
    now: datetime,
) -> dict[str, Any]:
    """Return the 12V, traction battery, brake pad and upcoming-care sections of the health summary.

    The traction battery's forecast is the EV battery rule's trend seen at `now`, against the shared end-of-life
    threshold `soh_threshold` (CARECAST_SOH__THRESHOLD_PCT)."""
    by_kind = {r["kind"]: r for r in risks}
    rest = _latest(rows, "lv_v_rest_avg")
    crank = _latest(rows, "lv_v_min")
    battery = {
        "status": _status("battery_12v", by_kind, rest is not None or crank is not None),
        "resting_voltage": rest[1] if rest else None,
        "lowest_voltage": crank[1] if crank else None,
        "as_of": max((p[0] for p in (rest, crank) if p), default=None),
        "risk": _risk(by_kind.get("battery_12v")),
    }
    ev = None
    if powertrain in ("EV", "HYBRID"):
        points = soh_points(rows)
        trend = fit_soh(points, now=now)
        ev = {
            "status": _status("ev_battery_soh", by_kind, bool(points)),
            "state_of_health": points[-1][1] if points else None,
            "as_of": points[-1][0] if points else None,
            "threshold": soh_threshold,
            "forecast": None
            if trend is None
            else {
                "horizon_days": trend.horizon_days,
                "slope_per_year": round(trend.slope_per_year, 3),
                "expected": round(trend.forecast, 2),
                "low": round(trend.low, 2),
                "high": round(trend.high, 2),
            },
            "risk": _risk(by_kind.get("ev_battery_soh")),
        }
    wear = _latest(rows, "pad_wear_max")
    pads = {
        "status": _status("brake_pads", by_kind, wear is not None),
        "wear_percent": wear[1] if wear else None,
        "replace_at_percent": PAD_REPLACE_AT,
        "as_of": wear[0] if wear else None,
        "risk": _risk(by_kind.get("brake_pads")),
    }
    return {"battery_12v": battery, "ev_battery": ev, "brake_pads": pads, "upcoming_care": upcoming}
