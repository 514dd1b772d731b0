"""Sharded detection passes (issue #19): shard claims, leases, heartbeats and takeover on the real database, a
sharded pass judging exactly what one process judges, and two real `python -m detection` processes of which one is
SIGKILLed mid-shard while the pass still completes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
import structlog

from detection import shards as db
from detection.job import run_pass
from detection.sharded import PassFailed, ShardWorker, finish_sharded, plan_sharded
from detection.shards import Progress
from tests.conftest import ROOT, wait_for

NOW = datetime(2026, 1, 20, 9, 0, tzinfo=UTC)
LOG = structlog.get_logger(process="detection-test")


def _plan(conn: psycopg.Connection, shards: int = 3) -> db.ShardedPass:
    return db.plan_pass(
        conn, pass_at=NOW, shards=shards, lookback_days=30, scope="all", vehicle_ids=None, newest_received=None,
        refreshed_from=NOW - timedelta(days=30), storage_mode="postgres", leader="leader:1",
    )  # fmt: skip


def _lapse(conn: psycopg.Connection, claim: db.Claim) -> None:
    """The holder stopped heartbeating long enough: its lease is in the past (instead of waiting it out)."""
    conn.execute(
        "UPDATE detection_shard SET lease_until = clock_timestamp() - interval '1 second'"
        " WHERE pass_id = %s AND shard = %s",
        (claim.pass_.id, claim.shard),
    )


def _lease(conn: psycopg.Connection, claim: db.Claim) -> datetime:
    return conn.execute(
        "SELECT lease_until FROM detection_shard WHERE pass_id = %s AND shard = %s",
        (claim.pass_.id, claim.shard),
    ).fetchone()[0]


def test_claims_are_exclusive_heartbeats_extend_and_a_lapsed_lease_is_taken_over(conn):
    planned = _plan(conn)
    # One pass runs at a time: planning again while it runs returns it.
    assert _plan(conn).id == planned.id and db.running_pass(conn) == planned
    a, b, c = (db.claim(conn, holder=h, lease_s=60) for h in ("a:1", "b:1", "c:1"))
    assert a and b and c and sorted(x.shard for x in (a, b, c)) == [0, 1, 2]
    assert {x.attempts for x in (a, b, c)} == {1} and a.pass_ == planned
    # Every shard is held under a live lease: nothing to take.
    assert db.claim(conn, holder="d:1", lease_s=60) is None

    before = _lease(conn, a)
    assert db.heartbeat(conn, claim=a, holder="a:1", lease_s=120) and _lease(conn, a) > before
    assert not db.heartbeat(conn, claim=a, holder="d:1", lease_s=60)  # only the holder extends it

    _lapse(conn, a)  # a's worker was killed
    d = db.claim(conn, holder="d:1", lease_s=60)
    assert d is not None and d.shard == a.shard and d.attempts == 2
    # The old holder has lost it: no heartbeat, no finishing (the new holder judges the shard from scratch).
    assert not db.heartbeat(conn, claim=a, holder="a:1", lease_s=60)
    assert not db.finish_shard(conn, claim=a, holder="a:1", counts={"rows": 1})
    for claim, holder in ((d, "d:1"), (b, "b:1"), (c, "c:1")):
        assert db.finish_shard(conn, claim=claim, holder=holder, counts={"rows": 1})
    # A done shard is never claimed again, whatever its lease said.
    assert db.claim(conn, holder="e:1", lease_s=0.001) is None
    assert db.progress(conn, pass_id=planned.id) == Progress(shards=3, done=3, given_up=0)
    results = db.shard_results(conn, pass_id=planned.id)
    assert [(r.holder, r.attempts) for r in results if r.shard == a.shard] == [("d:1", 2)]
    assert db.finish_pass(conn, pass_id=planned.id, state="done")
    assert not db.finish_pass(conn, pass_id=planned.id, state="done")  # a second leader ends nothing
    assert db.running_pass(conn) is None and _plan(conn).id != planned.id


def test_a_released_shard_is_claimable_at_once(conn):
    _plan(conn, shards=1)
    first = db.claim(conn, holder="a:1", lease_s=60)
    assert first is not None and db.release_shard(conn, claim=first, holder="a:1")
    again = db.claim(conn, holder="b:1", lease_s=60)
    assert again is not None and again.shard == first.shard and again.attempts == 2
    assert not db.release_shard(conn, claim=first, holder="a:1")


def test_a_shard_failing_every_attempt_fails_the_pass_and_keeps_the_watermark(conn, pool):
    planned = db.plan_pass(
        conn, pass_at=NOW, shards=1, lookback_days=30, scope="all", vehicle_ids=None, newest_received=NOW,
        refreshed_from=NOW - timedelta(days=30), storage_mode="postgres", leader="leader:1",
    )  # fmt: skip
    for attempt in range(1, db.MAX_ATTEMPTS + 1):
        claim = db.claim(conn, holder=f"w:{attempt}", lease_s=60)
        assert claim is not None and claim.attempts == attempt
        _lapse(conn, claim)  # died on it again
    assert db.claim(conn, holder="w:9", lease_s=60) is None
    assert db.progress(conn, pass_id=planned.id).given_up == 1
    with pytest.raises(PassFailed):
        finish_sharded(
            pool, planned, poll_s=0.01, stopping=lambda: False, started=0.0, refresh_ms=0.0, log=LOG
        )
    assert conn.execute("SELECT state FROM detection_pass").fetchone()[0] == "failed"
    assert conn.execute("SELECT count(*) FROM detection_watermark").fetchone()[0] == 0


def _brake_fleet(fleet, days_until, cars: int = 6) -> list[int]:
    """Cars alternating worn and healthy pads, so both shards of two have risks to open and vehicles to clear."""
    ids = []
    history = days_until(NOW.date(), 20)
    for n in range(cars):
        car = fleet.vehicle(region="beijing" if n % 3 else "guangzhou")
        fleet.days(car, history, wear=88 if n % 2 == 0 or n == 3 else 20,
                   odometer_m=lambda i: 9_000_000 + 30_000 * i)  # fmt: skip
        ids.append(car)
    return ids


def _risks(conn: psycopg.Connection) -> set[tuple]:
    """What the rules decided (the anomaly evidence is per shard, so evidence is left out)."""
    return set(
        conn.execute(
            "SELECT vehicle_id, kind, rule_id, status, severity, confidence, predicted_date, first_seen_at,"
            " last_seen_at FROM risk"
        ).fetchall()
    )


def _forget_results(conn: psycopg.Connection) -> None:
    conn.execute("TRUNCATE risk CASCADE")
    conn.execute("TRUNCATE data_quality_flag, detection_watermark")


def test_a_sharded_pass_judges_what_one_process_judges_and_a_redone_shard_changes_nothing(
    conn, pool, fleet, days_until
):
    cars = _brake_fleet(fleet, days_until)
    whole = run_pass(pool, now=NOW, refresh_days=30, lookback_days=30, workers=1)
    one_worker = _risks(conn)
    # Both shards (vehicle id modulo 2) have risks to open.
    assert {v % 2 for v, kind, *_ in one_worker if kind == "brake_pads" and v in cars} == {0, 1}
    _forget_results(conn)

    planned = plan_sharded(pool, now=NOW, shards=2, lookback_days=30, refresh_days=30, only_changed=False,
                           leader="leader:1", log=LOG)  # fmt: skip
    worker = ShardWorker(pool, holder="w:1", rules=_rules(), workers=1, lease_s=60, poll_s=0.1, log=LOG)
    assert worker.work_one() and worker.work_one() and not worker.work_one()
    report = finish_sharded(
        pool, planned, poll_s=0.01, stopping=lambda: False, started=0.0, refresh_ms=1.0, log=LOG
    )
    assert report is not None and report.shards == 2 and report.takeovers == 0
    assert (report.vehicles, report.rows) == (whole.vehicles, whole.rows)
    assert {k: c.flagged for k, c in report.kinds.items()} == {k: c.flagged for k, c in whole.kinds.items()}
    assert _risks(conn) == one_worker
    assert conn.execute("SELECT count(*) FROM detection_watermark").fetchone()[0] == 1

    # A shard judged again from scratch at the same pass time (a takeover after its first worker saved part of it)
    # opens nothing new and leaves every risk as it was.
    redo = db.plan_pass(
        conn, pass_at=NOW, shards=2, lookback_days=30, scope="all", vehicle_ids=None, newest_received=None,
        refreshed_from=planned.refreshed_from, storage_mode="postgres", leader="leader:1",
    )  # fmt: skip
    assert worker.work_one() and worker.work_one()
    again = finish_sharded(
        pool, redo, poll_s=0.01, stopping=lambda: False, started=0.0, refresh_ms=1.0, log=LOG
    )
    assert again is not None and sum(c.opened for c in again.kinds.values()) == 0
    assert _risks(conn) == one_worker


def test_an_incremental_sharded_pass_judges_only_the_changed_vehicles_and_advances_the_watermark(
    conn, pool, fleet, days_until
):
    cars = _brake_fleet(fleet, days_until, cars=4)
    worker = ShardWorker(pool, holder="w:1", rules=_rules(), workers=1, lease_s=60, poll_s=0.1, log=LOG)

    def sharded_pass(now: datetime, *, only_changed: bool):
        planned = plan_sharded(pool, now=now, shards=2, lookback_days=30, refresh_days=30,
                               only_changed=only_changed, leader="leader:1", log=LOG)  # fmt: skip
        while worker.work_one():
            pass
        report = finish_sharded(pool, planned, poll_s=0.01, stopping=lambda: False, started=0.0, refresh_ms=0.0,
                                log=LOG)  # fmt: skip
        assert report is not None
        return planned, report

    first, _ = sharded_pass(NOW, only_changed=True)
    assert first.scope == "all"  # no watermark yet: the first pass judges every vehicle
    (mark,) = conn.execute("SELECT received_at FROM detection_watermark").fetchone()
    # Beyond the watermark's re-read margin, as if the history had arrived long ago; then a new day for one car.
    conn.execute("UPDATE telemetry SET received_at = received_at - interval '1 hour'")
    fleet.days(cars[1], [NOW.date() + timedelta(days=1)], wear=20, odometer_m=9_000_000 + 30_000 * 20)
    planned, report = sharded_pass(NOW + timedelta(days=1), only_changed=True)
    assert planned.scope == "changed" and planned.vehicle_ids == {cars[1]}
    assert report.vehicles == 1 and report.shards == 2
    (later,) = conn.execute("SELECT received_at FROM detection_watermark").fetchone()
    assert later > mark


def _rules():
    from detection.rules import RULES

    return RULES


# --- two real processes ---------------------------------------------------------------------------------------


def _start(database, log: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARECAST_")}
    env |= {
        "CARECAST_DATABASE__URL": database.url, "CARECAST_LOG__FORMAT": "json",
        "CARECAST_DETECTION__INTERVAL_S": "3600", "CARECAST_DETECTION__LOCK_POLL_S": "0.2",
        "CARECAST_DETECTION__LOOKBACK_DAYS": "30", "CARECAST_DETECTION__WORKERS": "1",
        "CARECAST_DETECTION__SHARDS": "2", "CARECAST_DETECTION__SHARD_LEASE_S": "1.5",
    }  # fmt: skip
    with open(log, "wb") as out:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            [sys.executable, "-m", "detection", "--now", NOW.isoformat()], cwd=ROOT, env=env, stderr=out
        )


def _events(log: Path) -> list[dict]:
    return [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]


def _waiting_on_risk(conn: psycopg.Connection) -> int:
    """Backends of this database blocked on a lock while writing the risk table."""
    return conn.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        " AND query ILIKE '%%risk%%'"
    ).fetchone()[0]


def test_a_worker_killed_mid_shard_is_taken_over_and_the_pass_completes_with_the_same_risks(
    database, conn, pool, fleet, days_until, tmp_path
):
    _brake_fleet(fleet, days_until)
    run_pass(pool, now=NOW, refresh_days=30, lookback_days=30, workers=1)
    one_worker = _risks(conn)
    _forget_results(conn)

    logs = [tmp_path / "first.log", tmp_path / "second.log"]
    procs: list[subprocess.Popen] = []
    # Held by the test: every worker blocks when it saves its first risks, i.e. mid-shard, after load and rules.
    blocker = psycopg.connect(database.url)
    try:
        blocker.execute("LOCK TABLE risk IN SHARE MODE")
        procs.append(_start(database, logs[0]))
        wait_for(lambda: conn.execute("SELECT count(*) FROM detection_pass").fetchone()[0], timeout=60,
                 what="the leader to plan the pass")  # fmt: skip
        procs.append(_start(database, logs[1]))
        wait_for(lambda: _waiting_on_risk(conn) == 2, timeout=60, what="both workers blocked mid-shard")
        (leader,) = conn.execute("SELECT leader FROM detection_pass").fetchone()
        holders = dict(
            conn.execute("SELECT holder, shard FROM detection_shard WHERE state = 'running'").fetchall()
        )
        assert len(holders) == 2 and leader in holders
        (victim_holder,) = set(holders) - {leader}
        victim = next(p for p in procs if victim_holder.endswith(f":{p.pid}"))
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=30)
    finally:
        blocker.close()  # the killed worker's blocked write fails (its backend finds no client) and rolls back
    try:
        wait_for(lambda: conn.execute("SELECT state FROM detection_pass").fetchone()[0] == "done", timeout=60,
                 what="the pass to complete")  # fmt: skip
        taken = conn.execute(
            "SELECT holder, attempts FROM detection_shard WHERE shard = %s", (holders[victim_holder],)
        ).fetchone()
        assert taken == (leader, 2)
        assert _risks(conn) == one_worker
        # No vehicle has two open risks of a kind (the unique index would refuse it; counted to show it).
        assert (
            conn.execute(
                "SELECT count(*) FROM (SELECT 1 FROM risk GROUP BY vehicle_id, kind HAVING count(*) > 1) d"
            ).fetchone()[0]
            == 0
        )
        survivor = next(p for p in procs if p is not victim)
        passes = [e for e in _events(logs[procs.index(survivor)]) if e["event"] == "detection.pass"]
        assert len(passes) == 1 and passes[0]["shards"] == 2 and passes[0]["takeovers"] == 1
        survivor.send_signal(signal.SIGTERM)
        assert survivor.wait(timeout=30) == 0
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
