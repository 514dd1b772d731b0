"""Owner of ``weather_forecast``: writes region forecasts (domain.forecast) and reads them back for detection.

Writers are the provider fetch (``fetch``, with ``core.open_meteo``) and the simulator's backfill
(``simulators.forecast``); the one reader is detection. Clock convention: `issued_on`/`day` are local calendar dates
of the region, `fetched_at` the UTC time the forecast was stored.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

import psycopg
from psycopg.rows import tuple_row

from core.db import query
from core.sql import FORECAST_LOAD, FORECAST_UPSERT
from domain.forecast import DayForecast, Forecast, RegionForecast


def save(conn: psycopg.Connection, *, forecasts: Iterable[RegionForecast], source: str, now: datetime) -> int:
    """Store the forecasts (a re-issued day replaces the stored one); return how many forecast days were written."""
    fetched = now
    params = [
        {"region": f.region, "issued_on": f.issued, "day": d.day, "min_c": d.min_c, "max_c": d.max_c,
         "source": source, "fetched_at": fetched}
        for f in forecasts
        for d in f.days
    ]  # fmt: skip
    if params:
        with conn.cursor() as cur:
            cur.executemany(query(FORECAST_UPSERT), params)
    return len(params)


def load(conn: psycopg.Connection, *, start: date, end: date, horizon_days: int) -> list[RegionForecast]:
    """Return the forecasts issued after `start` up to `end`, each with its days up to `horizon_days` ahead."""
    params = {"start": start, "end": end, "horizon": horizon_days}
    with conn.cursor(row_factory=tuple_row) as cur:  # tuples whatever the connection's row factory
        rows = cur.execute(query(FORECAST_LOAD), params).fetchall()
    out: list[RegionForecast] = []
    key: tuple[str, date] | None = None
    days: list[DayForecast] = []
    for region, issued, day, low, high in [*rows, (None, None, None, None, None)]:
        if key is not None and (region, issued) != key:
            kept = _leading(key[1], days)
            if kept:
                out.append(RegionForecast(key[0], key[1], kept))
            days = []
        key = (region, issued)
        if day is not None:
            days.append(DayForecast(day, float(low), float(high)))
    return out


def _leading(issued: date, days: Sequence[DayForecast]) -> tuple[DayForecast, ...]:
    """Return the days that follow `issued` without a gap (a forecast with a hole is cut at the hole)."""
    kept = []
    for k, d in enumerate(days, start=1):
        if (d.day - issued).days != k:
            break
        kept.append(d)
    return tuple(kept)


def fetch(
    conn: psycopg.Connection,
    *,
    provider: Forecast,
    regions: Iterable[str],
    issued: date,
    horizon_days: int,
    source: str,
    now: datetime,
) -> int:
    """Fetch each region's forecast from `provider` and store it; return the forecast days written."""
    got = [provider.daily(r, issued=issued, horizon_days=horizon_days) for r in regions]
    return save(conn, forecasts=got, source=source, now=now)
