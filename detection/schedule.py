"""Run detection passes on an interval (core/service.py: first pass at start, never two at once, and only in the
process holding the detection leader lock) and decide what each pass refreshes and judges."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from psycopg_pool import ConnectionPool

from core import forecasts
from core.db import connect
from core.leader import LeaderLock, lock_key
from core.open_meteo import ForecastError, OpenMeteo
from core.retention import apply_retention
from core.service import Job, StopSignals, run_periodic
from core.settings import DatabaseSettings, ForecastSettings, RetentionSettings
from detection.job import PassReport, Phases, run_pass
from detection.metrics import DetectionMetrics
from detection.rule import ConfiguredRule
from detection.settings import DetectionOptions
from detection.sharded import ShardWorker, finish_sharded, plan_sharded
from detection.shards import worker_id

# The detection scheduler's advisory lock key (shared key space on the database): "ccdetect".
LOCK_KEY = lock_key(b"ccdetect")


@dataclass(frozen=True, slots=True)
class PassPlan:
    """What the next pass does: how many days of rollup it refreshes, and whether it judges only changed vehicles."""

    refresh_days: int
    only_changed: bool


@dataclass
class Cadence:
    """Decides each pass's plan: the whole lookback is refreshed on the first and every N-th pass; every vehicle is
    judged on the first pass and whenever `full_pass_every_s` has passed since the last full judgement (what changes
    with time alone: a car going silent, a predicted date coming closer), otherwise only vehicles with new data."""

    options: DetectionOptions
    passes: int = 0
    last_full_at: float | None = None

    def next_refresh_days(self) -> int:
        """Return the refresh window of the next pass and count it."""
        every = self.options.full_refresh_every
        full = self.passes == 0 or (every > 0 and self.passes % every == 0)
        self.passes += 1
        return self.options.lookback_days if full else self.options.refresh_days

    def next_plan(self, clock_s: float) -> PassPlan:
        """Return the plan of the pass starting at monotonic time `clock_s` and count it."""
        every = self.options.full_pass_every_s
        full = self.last_full_at is None or every <= 0 or clock_s - self.last_full_at >= every
        if full:
            self.last_full_at = clock_s
        return PassPlan(refresh_days=self.next_refresh_days(), only_changed=not full)


def run_scheduled(
    pool: ConnectionPool,
    *,
    database: DatabaseSettings,
    options: DetectionOptions,
    rules: Sequence[ConfiguredRule],
    log: Any,
    fixed_now: datetime | None = None,
    metrics: DetectionMetrics | None = None,
    retention: RetentionSettings | None = None,
    forecast: ForecastSettings | None = None,
) -> None:
    """Block running a pass every `options.interval_s` seconds until SIGTERM or SIGINT (a repeat is harmless), but
    only while this process holds the leader lock: a second `carecast detect` waits and takes over when the
    first stops or dies. Each pass's report (or its failure) goes to `metrics`. With `retention`, the leader also
    deletes what is past its retention every `retention.interval_s` seconds (core/retention.py), and with
    `forecast.refresh_s` > 0 it fetches the regions' weather forecasts that often (core/open_meteo.py).

    With `options.shards` > 1 the leader only refreshes the rollup and plans each pass as that many shards; every
    process, leader or waiting, works shards on a thread of its own (detection/sharded.py)."""
    lock = LeaderLock(
        database, key=LOCK_KEY, name="detection", application_name="carecast-detect-lock", log=log
    )
    stop = StopSignals().install()
    holder = worker_id()
    sharded = options.shards > 1
    worker = ShardWorker(
        pool, holder=holder, rules=rules, workers=options.workers, lease_s=options.shard_lease_s,
        poll_s=options.lock_poll_s, log=log,
    )  # fmt: skip

    def one_pass(plan: PassPlan, now: datetime) -> PassReport | None:
        if not sharded:
            return run_pass(
                pool, now=now, rules=rules, lookback_days=options.lookback_days, refresh_days=plan.refresh_days,
                only_changed=plan.only_changed, workers=options.workers, log=log,
            )  # fmt: skip
        started, phases = time.monotonic(), Phases()
        planned = plan_sharded(
            pool, now=now, shards=options.shards, lookback_days=options.lookback_days,
            refresh_days=plan.refresh_days, only_changed=plan.only_changed, leader=holder, log=log,
        )  # fmt: skip
        phases.lap("refresh")
        worker.wake.set()
        return finish_sharded(
            pool, planned, poll_s=min(options.lock_poll_s, 0.5), stopping=lambda: stop.requested, started=started,
            refresh_ms=phases.ms["refresh"], log=log,
        )  # fmt: skip

    def jobs() -> list[Job]:
        # A new term as leader starts like a fresh process (full first pass): another one may have run meanwhile.
        cadence = Cadence(options)

        def tick() -> None:
            plan = cadence.next_plan(time.monotonic())
            try:
                report = one_pass(plan, fixed_now or datetime.now(UTC))
            except Exception:
                if metrics is not None:
                    metrics.count_failed()
                raise  # logged by the runner's per-job boundary (core/service.py)
            if metrics is not None and report is not None:
                metrics.observe(report)

        grace_s = max(1, int(options.interval_s))
        jobs = [
            Job("detection-pass", options.interval_s, tick, "detection.pass_failed", misfire_grace_s=grace_s)
        ]
        if retention is not None:
            jobs.append(_retention_job(database, retention, log=log, fixed_now=fixed_now))
        if forecast is not None and forecast.refresh_s > 0:
            jobs.append(_forecast_job(database, forecast, log=log, fixed_now=fixed_now))
        return jobs

    def started() -> None:
        log.info(
            "detection.scheduled", interval_s=options.interval_s, lookback_days=options.lookback_days,
            full_pass_every_s=options.full_pass_every_s, shards=options.shards,
        )  # fmt: skip

    thread = None
    if sharded:
        thread = threading.Thread(
            target=worker.run, args=(lambda: stop.requested,), name="detection-shards", daemon=True
        )
        thread.start()
        log.info(
            "detection.shard_worker", holder=holder, shards=options.shards, lease_s=options.shard_lease_s
        )
    try:
        signals = run_periodic(
            jobs, log=log, leader=lock, lock_poll_s=options.lock_poll_s, on_start=started, stop=stop
        )
    finally:
        if thread is not None:
            if not stop.requested:  # the runner itself failed: stop the shard worker too
                stop.received.append("error")
            thread.join()  # a shard in progress is finished first
    log.info("detection.stopped", signals=",".join(signals))


def _retention_job(
    database: DatabaseSettings, settings: RetentionSettings, *, log: Any, fixed_now: datetime | None
) -> Job:
    """Return the retention job: its own autocommit connection, so a long delete never holds a pass's one."""

    def run() -> None:
        with connect(database, autocommit=True) as conn:
            apply_retention(conn, settings=settings, now=fixed_now or datetime.now(UTC), log=log)

    return Job("retention", settings.interval_s, run, "retention.failed", misfire_grace_s=60)


def refresh_forecasts(
    database: DatabaseSettings, settings: ForecastSettings, *, now: datetime, log: Any, provider: OpenMeteo
) -> tuple[int, list[str]]:
    """Fetch and store each configured region's forecast issued `now` (one failing region never stops the others);
    return the forecast days stored and the regions that failed. One log line per refresh."""
    stored, failed = 0, []
    with connect(database, autocommit=True) as conn:
        for region in settings.regions:
            try:
                stored += forecasts.fetch(
                    conn, provider=provider, regions=[region], issued=now.date(),
                    horizon_days=settings.horizon_days, source="open_meteo", now=now,
                )  # fmt: skip
            except ForecastError as exc:
                failed.append(region)
                log.warning("forecast.region_failed", region=region, error=str(exc))
    log.info("forecast.refreshed", regions=len(settings.regions), days_stored=stored, failed=",".join(failed))
    return stored, failed


def _forecast_job(
    database: DatabaseSettings, settings: ForecastSettings, *, log: Any, fixed_now: datetime | None
) -> Job:
    """Return the forecast refresh job: every region from the configured Open-Meteo endpoint."""

    def run() -> None:
        provider = OpenMeteo(url=settings.url, regions=settings.regions, timeout_s=settings.timeout_s)
        try:
            refresh_forecasts(
                database, settings, now=fixed_now or datetime.now(UTC), log=log, provider=provider
            )
        finally:
            provider.close()

    return Job("forecast", settings.refresh_s, run, "forecast.failed", misfire_grace_s=60)
