"""The simulated telemetry seen through the real daily rollup (core/sql/refresh_daily.postgres.sql): healthy cars
stay clear of every threshold detection applies, and each injected fault shows up where detection looks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import psycopg

from core.db import connect, query
from core.settings import DatabaseSettings
from core.signals import COLUMNS
from core.sql import REFRESH_DAILY_POSTGRES
from domain.vocabulary import RiskKind
from simulators.models import fleet_models
from simulators.run import iter_history
from simulators.scenario import FaultKind, build_scenario
from simulators.seed import seed_fleet

END = datetime(2025, 11, 27, 10, 30, tzinfo=UTC)


def test_rollup_shows_faults_and_only_faults(database: DatabaseSettings, conn: psycopg.Connection) -> None:
    sc = build_scenario(7, 14, END, days=30)
    with connect(database) as c:
        seed_fleet(c, fleet=sc.fleet)
    ids = dict(conn.execute("SELECT vin, id FROM vehicle").fetchall())
    cols = list(COLUMNS.values())
    with (
        conn.cursor() as cur,
        cur.copy(f"COPY telemetry (vehicle_id, ts, {', '.join(cols)}) FROM STDIN") as copy,
    ):
        for vin, samples in iter_history(fleet_models(sc), scenario=sc, until=sc.end):
            for s in samples:
                copy.write_row([ids[vin], s["ts"], *(s["signals"].get(p) for p in COLUMNS)])
    conn.execute(query(REFRESH_DAILY_POSTGRES), {"start": END - timedelta(days=40), "end": END})
    rows = conn.execute(
        "SELECT v.vin, d.day, d.lv_v_min, d.air_temp_min, d.lv_v_rest_avg, d.hv_soh_avg, d.pad_wear_max,"
        " d.air_temp_avg FROM telemetry_daily d JOIN vehicle v ON v.id = d.vehicle_id ORDER BY v.vin, d.day"
    ).fetchall()
    by_vin: dict[str, list[tuple]] = {}
    for row in rows:
        by_vin.setdefault(row[0], []).append(row[2:])
    faults = {f.vin: f.kind for f in sc.faults}
    for vin, days in by_vin.items():
        lv_min, t_min, rest, soh, pads, t_avg = (
            np.array([d[i] for d in days], dtype=float) for i in range(6)
        )
        v20 = lv_min + 0.03 * np.maximum(0.0, 20.0 - t_min)
        week = np.nanmean(t_avg[-7:])
        kind = faults.get(vin)
        assert (week < 7.0) == (RiskKind.WINTER_PREP in sc.expected[vin])
        assert (np.nanmin(v20) < 9.6) == (kind is FaultKind.WEAK_12V), vin
        assert (np.nanmin(rest) < 12.2) == (kind is FaultKind.DRAIN_12V), vin
        assert (np.nanmax(pads) >= 78) == (kind is FaultKind.FAST_BRAKE_WEAR), vin
        if kind is FaultKind.EV_FAST_FADE:
            assert np.nanmax(soh) < 85 and np.nanmin(soh) < 83
        elif not np.isnan(soh).all():
            assert np.nanmin(soh) >= 90
        if kind is None:
            assert np.nanmax(pads) <= 50 and np.nanmin(v20) >= 10.0 and 12.45 <= np.nanmin(rest) <= 12.75
