"""Writers of the dealer network: centers, their calendar days, advisors, technicians (shifts, absences)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import psycopg
from psycopg.types.json import Jsonb

from core.masterdata.lookups import lookup, unknown
from core.masterdata.report import BatchResult
from core.masterdata.writers import Numbered, changed, typed, upsert
from core.sql import (
    MASTERDATA_REPLACE_ABSENCES,
    MASTERDATA_REPLACE_SHIFTS,
    MASTERDATA_UPSERT_ADVISORS,
    MASTERDATA_UPSERT_CALENDAR,
    MASTERDATA_UPSERT_CENTERS,
    MASTERDATA_UPSERT_TECHNICIANS,
)
from domain.masterdata import RowError
from domain.masterdata.centers import CalendarDays, Center
from domain.masterdata.staff import WEEKDAY_NUMBER, Advisor, Technician


def write_centers(conn: psycopg.Connection, rows: Sequence[Numbered], *, now: datetime) -> BatchResult:
    """Upsert service centers by code (nothing to resolve)."""
    params = [
        {
            "code": c.code, "name": c.name, "address": c.address, "city": c.city, "region": c.region,
            "lat_deg": c.lat_deg, "lon_deg": c.lon_deg, "tz": c.tz, "opening_hours": c.opening_hours(),
            "bays": c.bays, "hourly_rate": None if c.hourly_rate is None else str(c.hourly_rate),
            "brands": list(c.brands), "active": c.active, "tax_rate": str(c.tax_rate),
            "prices_include_tax": c.prices_include_tax, "pickup_offered": c.pickup_offered,
            "pickup_radius_km": c.pickup_radius_km,
            "pickup_fee": None if c.pickup_fee is None else str(c.pickup_fee),
            "pickup_windows": c.pickup_window_list(),
        }
        for _, c in typed(rows, Center)
    ]  # fmt: skip
    return BatchResult(changes=upsert(conn, MASTERDATA_UPSERT_CENTERS, params, now=now), keys=len(params))


def write_calendar(conn: psycopg.Connection, rows: Sequence[Numbered], *, now: datetime) -> BatchResult:
    """Upsert a center's calendar days, one row per day of each range; an unknown center is a bad row."""
    batch: list[tuple[int, CalendarDays]] = typed(rows, CalendarDays)
    centers = lookup(conn, "centers", (r.center_code for _, r in batch))
    errors: list[RowError] = []
    params = []
    for line, r in batch:
        center = centers.get(r.center_code)
        if center is None:
            errors.append(RowError(line, "center_code", unknown("centers", r.center_code)))
            continue
        params += [
            {"center_id": center.id, "day": day.isoformat(), "kind": r.kind, "note": r.note}
            for day in r.days()
        ]
    codes = {ref.id: code for code, ref in centers.items()}
    changes = upsert(
        conn, MASTERDATA_UPSERT_CALENDAR, params, now=now, key=lambda k: f"{codes[k[0]]}/{k[1].isoformat()}"
    )
    return BatchResult(errors, changes, len(params))


def write_advisors(conn: psycopg.Connection, rows: Sequence[Numbered], *, now: datetime) -> BatchResult:
    """Upsert service advisors by employee number; an unknown center is a bad row."""
    batch: list[tuple[int, Advisor]] = typed(rows, Advisor)
    centers = lookup(conn, "centers", (r.center_code for _, r in batch))
    errors: list[RowError] = []
    params = []
    for line, r in batch:
        if (center := centers.get(r.center_code)) is None:
            errors.append(RowError(line, "center_code", unknown("centers", r.center_code)))
            continue
        params.append({"employee_no": r.employee_no, "center_id": center.id, "name": r.name, "email": r.email,
                       "phone": r.phone, "active": r.active})  # fmt: skip
    return BatchResult(errors, upsert(conn, MASTERDATA_UPSERT_ADVISORS, params, now=now), len(params))


def write_technicians(conn: psycopg.Connection, rows: Sequence[Numbered], *, now: datetime) -> BatchResult:
    """Upsert technicians by employee number, then replace the shifts and absences given; an unknown center is a
    bad row. A technician whose shifts or absences changed counts as updated."""
    batch: list[tuple[int, Technician]] = typed(rows, Technician)
    centers = lookup(conn, "centers", (r.center_code for _, r in batch))
    errors: list[RowError] = []
    good: list[Technician] = []
    for line, r in batch:
        if r.center_code not in centers:
            errors.append(RowError(line, "center_code", unknown("centers", r.center_code)))
        else:
            good.append(r)
    params = [
        {"employee_no": r.employee_no, "center_id": centers[r.center_code].id, "name": r.name,
         "skills": list(r.skills), "active": r.active}
        for r in good
    ]  # fmt: skip
    changes = upsert(conn, MASTERDATA_UPSERT_TECHNICIANS, params, now=now)
    with_shifts = [r for r in good if r.shifts is not None]
    if with_shifts:
        shifts = [
            {"employee_no": r.employee_no, "weekday": WEEKDAY_NUMBER[s.weekday], "starts": s.starts.isoformat(),
             "ends": s.ends.isoformat()}
            for r in with_shifts for s in r.shifts or ()
        ]  # fmt: skip
        employee_nos = [r.employee_no for r in with_shifts]
        params_shifts = {"rows": Jsonb(shifts), "employee_nos": employee_nos}
        changes = changes.also_updated(changed(conn, MASTERDATA_REPLACE_SHIFTS, params_shifts))
    with_absences = [r for r in good if r.absences is not None]
    if with_absences:
        absences = [
            {"employee_no": r.employee_no, "starts": a.starts.isoformat(), "ends": a.ends.isoformat(),
             "reason": a.reason}
            for r in with_absences for a in r.absences or ()
        ]  # fmt: skip
        params_absences = {"rows": Jsonb(absences), "employee_nos": [r.employee_no for r in with_absences]}
        changes = changes.also_updated(changed(conn, MASTERDATA_REPLACE_ABSENCES, params_absences))
    return BatchResult(errors, changes, len(params))
