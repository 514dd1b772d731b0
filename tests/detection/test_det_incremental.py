"""Incremental passes: only vehicles with telemetry received since the previous pass are judged; the scheduler's
cadence judges every vehicle on the first pass and periodically after."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from detection.job import run_pass
from detection.schedule import Cadence, PassPlan
from detection.settings import DetectionOptions

NOW = datetime(2026, 1, 20, 9, 0, tzinfo=UTC)
TODAY = NOW.date()


def _seen(conn) -> dict[tuple[int, str], tuple]:
    rows = conn.execute("SELECT vehicle_id, kind, status, last_seen_at FROM risk").fetchall()
    return {(r[0], r[1]): (r[2], r[3]) for r in rows}


def test_only_vehicles_with_new_data_are_judged_and_the_others_keep_their_risks(
    conn, fleet, days_until, pool
):
    history = days_until(TODAY, 30)
    odo = lambda i: 20_000_000 + 45_000 * i  # noqa: E731
    worn, other_worn, quiet = fleet.vehicle(), fleet.vehicle(), fleet.vehicle(region="guangzhou")
    for car in (worn, other_worn):
        fleet.days(car, history, wear=85, odometer_m=odo, temp=16.0)
    fleet.days(quiet, history, wear=20, odometer_m=odo, temp=22.0)

    first = run_pass(pool, now=NOW, refresh_days=30, only_changed=True)
    # No watermark yet: the first pass ever judges everything.
    assert first.scope == "all" and first.vehicles == 3
    assert set(_seen(conn)) == {(worn, "brake_pads"), (other_worn, "brake_pads")}
    # Beyond the watermark's re-read margin, as if the history had arrived long ago.
    conn.execute("UPDATE telemetry SET received_at = received_at - interval '1 hour'")

    nothing = run_pass(pool, now=NOW + timedelta(minutes=1), only_changed=True)
    assert nothing.scope == "changed" and nothing.vehicles == 0 and nothing.rows == 0

    # New pads on `worn` (the next day's reading) and nothing from the others.
    later = NOW + timedelta(days=1)
    fleet.days(worn, [TODAY + timedelta(days=1)], wear=0, odometer_m=20_000_000 + 45_000 * 30, temp=16.0)
    report = run_pass(pool, now=later, only_changed=True)
    assert report.scope == "changed" and report.vehicles == 1 and report.rows == 31
    seen = _seen(conn)
    assert seen[(worn, "brake_pads")][0] == "resolved"
    # Not judged: still open, not even touched.
    assert seen[(other_worn, "brake_pads")] == ("open", NOW)

    full = run_pass(pool, now=later + timedelta(minutes=1))
    assert full.scope == "all" and full.vehicles == 3
    assert _seen(conn)[(other_worn, "brake_pads")] == ("open", later + timedelta(minutes=1))


@pytest.mark.parametrize(
    ("every_s", "clocks", "expected"),
    [
        # first pass full; changed-only until an hour has passed since the last full pass
        (3600.0, [0.0, 60.0, 3599.0, 3600.0, 3660.0], [False, True, True, False, True]),
        # 0 = every pass judges every vehicle (the behaviour before incremental passes)
        (0.0, [0.0, 60.0, 120.0], [False, False, False]),
    ],
)
def test_cadence_judges_every_vehicle_first_and_periodically(every_s, clocks, expected):
    cadence = Cadence(DetectionOptions(full_pass_every_s=every_s, full_refresh_every=3, lookback_days=90))
    plans = [cadence.next_plan(c) for c in clocks]
    assert [p.only_changed for p in plans] == expected
    # The rollup refresh keeps its own cadence: the whole lookback on the first and every 3rd pass.
    assert [p.refresh_days for p in plans] == [90, 3, 3, 90, 3][: len(clocks)]
    assert plans[0] == PassPlan(refresh_days=90, only_changed=False)
