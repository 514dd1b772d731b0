"""The DTC lists reach the frame: the day's last reported Vehicle.Diagnostics.DTCList (telemetry.extra) per vehicle
and fleet day, "" for an empty list, None without one; and the DTC rule judges them end to end."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from psycopg.types.json import Jsonb

from core.db import connect
from detection.frame import DTC_COLUMN
from detection.repository import load_frame, refresh_daily
from detection.rules import dtc

T0 = datetime(2026, 1, 10, 1, tzinfo=UTC)  # 09:00 in China: fleet day 2026-01-10
LIST = "Vehicle.Diagnostics.DTCList"


def _report(conn, vehicle_id: int, ts: datetime, codes: list[str] | None) -> None:
    extra = None if codes is None else Jsonb({LIST: codes})
    conn.execute(
        "INSERT INTO telemetry (vehicle_id, ts, lv_voltage_v, dtc_count, extra) VALUES (%s, %s, 12.5, %s, %s)",
        (vehicle_id, ts, None if codes is None else len(codes), extra),
    )


def _texts(column) -> list[str | None]:  # noqa: ANN001
    # a day without a list is missing (None or NaN)
    return [v if isinstance(v, str) else None for v in column]


def test_the_days_last_list_reaches_the_frame_and_the_rule(database, conn, fleet):
    car, quiet = fleet.vehicle(), fleet.vehicle()
    _report(conn, car, T0, [])
    _report(conn, car, T0 + timedelta(days=1), ["P0420:04"])
    # the day's last report wins
    _report(conn, car, T0 + timedelta(days=1, hours=2), ["P0420:04", "C0035:08"])
    _report(conn, car, T0 + timedelta(days=2), None)  # a sample without a list
    _report(conn, car, T0 + timedelta(days=3), ["P0420:88", "C0035:08"])
    _report(conn, quiet, T0 + timedelta(days=3), None)
    now = T0 + timedelta(days=3, hours=19)
    with connect(database, autocommit=True) as auto:
        refresh_daily(auto, start=T0 - timedelta(days=1), end=now + timedelta(days=1))
    frame = load_frame(conn, start=T0 - timedelta(days=2), now=now)
    codes = {vid: _texts(rows[DTC_COLUMN]) for vid, rows in frame.groupby("vehicle_id")}
    assert codes[car] == ["", "P0420:04 C0035:08", None, "P0420:88 C0035:08"]
    assert codes[quiet] == [None]
    # only the DTC window is read from raw telemetry
    recent = load_frame(conn, start=T0 - timedelta(days=2), now=now, dtc_days=1)
    mine = recent.loc[recent["vehicle_id"] == car, DTC_COLUMN]
    assert _texts(mine) == [None, None, None, "P0420:88 C0035:08"]

    result = dtc.evaluate(frame, now=now, params=dtc.Params())
    (flag,) = result.flags
    assert flag.vehicle_id == car and flag.diagnosis == "dtc_mil"
    assert [c.code for c in flag.evidence.codes] == ["P0420", "C0035"]
    assert result.evaluated_vehicle_ids == {car}
