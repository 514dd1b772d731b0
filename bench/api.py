"""Load on the API: N concurrent pollers of the suggested-bookings feed through uvicorn, next to /livez.

A throwaway database gets a fleet (default 10,000 vehicles, 5,000 open suggestions over 200 centers: 25 a center,
one full page each), a real `python -m api --workers N` serves it (each N of `--workers`, default 1 then 2, on a
fresh database), and a small asyncio HTTP/1.1 keep-alive client drives it from this process:

1. /livez, closed loop (N connections, each sends its next request when the last answer arrived): the ceiling.
2. The feed, closed loop: every poller walks its center's feed (next_cursor until null, then from the start).
3. The feed, open loop at a fixed offered rate (default 500 req/s): latency is counted from each request's
   scheduled time, so queueing behind a slow answer is not hidden.
4. feed_writes: the same open loop spread over every center in turn while a writer thread changes the
   suggestions of `--writes-per-s` distinct centers a second (default 20) as notify does (core.bookings: release
   a risk's offer, offer a fresh one, one transaction per center), so the page cache is invalidated by the
   product's own triggers and LISTEN/NOTIFY. Besides latency it reports the cache hit rate (the API's
   Cache-Status header) and the stale-read window: for each write, from its COMMIT to the answer of the first
   poll of its center that shows the new suggestion (bounded below by how often a center is polled: every
   centers / rate seconds), and the stale reads (polls sent after a COMMIT that still answered the old page).

    python -m bench.api            # the full run (about three minutes)
    python -m bench.api --quick    # a few seconds, for the test suite

The last line is a JSON object: feed_rps (closed loop), feed_p99_ms (open loop at the offered rate), livez_rps,
ratio_feed_vs_livez, feed_writes_p99_ms, feed_writes_hit_rate and stale_window_p99_ms of the last worker count,
every configuration under "runs", and the machine's load average.

Each phase also reports the CPU time it cost per request (`cpu_ms`), read from /proc for the API processes, the
PostgreSQL backends serving the bench database (when PostgreSQL runs on this machine) and this client. On a
shared machine the rates move with everyone else's load; the CPU cost per request moves much less, and says
where a feed request's time goes compared with /livez.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg import conninfo, sql

from api.auth.key_store import create_center_key
from bench.api_load import CpuMeter, SuggestionWriter, WriteLog, closed_loop, metered, open_loop
from bench.ingest_peers import free_port
from core.migrate import migrate

ROOT = Path(__file__).resolve().parent.parent

_SEED = """
INSERT INTO service_center (code, name, city, region, lat_deg, lon_deg, tz, opening_hours)
SELECT 'BENCH' || lpad(i::text, 3, '0'), 'Bench center ' || i, 'Harbin', 'harbin', 45.75, 126.65,
       'Asia/Shanghai', '{"mon": ["08:30", "18:00"], "sun": null}'
FROM generate_series(1, %(centers)s) i;
INSERT INTO technician (center_id, name, skills)
SELECT id, 'Tech ' || id, ARRAY['general', 'electrical'] FROM service_center;
INSERT INTO customer (name, locale, tz, segment, preferred_center_id)
SELECT 'Owner ' || i, 'zh-CN', 'Asia/Shanghai', 'family', 1 + i %% %(centers)s
FROM generate_series(1, %(vehicles)s) i;
INSERT INTO vehicle (vin, customer_id, model, model_year, powertrain, region)
SELECT 'LBENCH0000' || lpad(i::text, 7, '0'), i, 'Lavida', 2021, 'ICE', 'harbin'
FROM generate_series(1, %(vehicles)s) i;
INSERT INTO risk (vehicle_id, kind, rule_id, rule_version, severity, confidence, predicted_date, diagnosis,
                  evidence, first_seen_at, last_seen_at)
SELECT i, 'battery_12v', 'battery_12v.crank_dip', 1, 'high', 0.8, current_date + 20, 'high_internal_resistance',
       '{"readings": [{"signal": "Vehicle.LowVoltageBattery.CurrentVoltage", "ts": "2026-11-20T23:41:00Z",
         "value": 9.31, "threshold": 9.6, "op": "<"}]}', now(), now()
FROM generate_series(1, %(suggestions)s) i;
INSERT INTO booking_suggestion (risk_id, vehicle_id, center_id, technician_id, rank, slot_start, slot_end, deadline,
                                distance_km, parts, reason)
SELECT r.id, r.vehicle_id, 1 + r.id %% %(centers)s, 1 + r.id %% %(centers)s, 1,
       now() + interval '2 days' + r.id * interval '1 hour', now() + interval '2 days' + r.id * interval '1 hour'
       + interval '1 hour', current_date + 15, 4.2,
       '[{"sku": "BAT-12V-AGM70", "name": "12V AGM battery 70Ah", "qty": 1, "in_stock": true}]', 'nearest center'
FROM risk r;
ANALYZE;
"""


@contextmanager
def throwaway_database(
    admin_url: str, *, centers: int, vehicles: int, suggestions: int
) -> Iterator[tuple[str, list[str]]]:
    """Yield (url, one center key per center: center i + 1 at index i) of a migrated, seeded database; drop it
    afterwards."""
    name = f"carecast_bench_api_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = conninfo.make_conninfo(admin_url, dbname=name)
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            migrate(conn, timescale="off")
            params = {"centers": centers, "vehicles": vehicles, "suggestions": suggestions}
            with conn.transaction():
                for statement in filter(str.strip, _SEED.split(";\n")):
                    conn.execute(statement, params)
            keys = [create_center_key(conn, center_id=c, label="bench") for c in range(1, centers + 1)]
        yield url, keys
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@contextmanager
def served(url: str, *, port: int, pool_max: int, workers: int = 1) -> Iterator[subprocess.Popen]:
    """Run `python -m api --workers N` on the port for this database until the block ends."""
    env = {
        **os.environ,
        "CARECAST_DATABASE__URL": url,
        "CARECAST_DATABASE__POOL_MIN": str(pool_max),
        "CARECAST_DATABASE__POOL_MAX": str(pool_max),
        "CARECAST_LOG__LEVEL": "WARNING",
        # The bench measures the stack, not the limiter: every poller may go as fast as it can.
        "CARECAST_API__RATE_PER_S": "1000000",
        "CARECAST_API__RATE_BURST": "1000000",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "api", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"api exited: {proc.stderr.read().decode() if proc.stderr else ''}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/livez", timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("api did not come up within 30 s") from None
                time.sleep(0.1)  # a bench script waiting for its own server, not a test
        yield proc
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def main(argv: list[str] | None = None) -> None:
    """Seed, serve, measure, print a table and the JSON line."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.api", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--centers", type=int, default=200, help="service centers seeded, one key each")
    parser.add_argument("--vehicles", type=int, default=10_000)
    parser.add_argument(
        "--suggestions", type=int, default=5_000, help="open suggestions, spread evenly over the centers"
    )
    parser.add_argument("--pollers", type=int, default=32, help="concurrent connections (closed loop)")
    parser.add_argument("--seconds", type=float, default=15.0, help="length of each phase")
    parser.add_argument(
        "--rate", type=float, default=500.0, help="offered feed requests per second (open loop)"
    )
    parser.add_argument(
        "--writes-per-s",
        type=int,
        default=20,
        help="distinct centers whose suggestions change each second in the feed_writes phase",
    )
    parser.add_argument("--pool-max", type=int, default=8, help="the API's database pool size (per worker)")
    parser.add_argument(
        "--workers",
        type=lambda text: [int(w) for w in text.split(",")],
        default=[1, 2],
        help="comma-separated API worker counts to measure, each on a fresh database (default 1,2)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="20 centers, 500 vehicles, 100 suggestions, 2 s phases, 50 req/s, 5 writes/s",
    )
    parser.add_argument(
        "--admin-url",
        default=os.environ.get("CARECAST_TEST_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
        help="PostgreSQL where a throwaway database is created (default: $CARECAST_TEST_ADMIN_URL)",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.centers, args.vehicles, args.suggestions = 20, 500, 100
        args.seconds, args.rate, args.pollers, args.writes_per_s = 2.0, 50.0, 8, 5
    if args.suggestions > args.vehicles:
        parser.error("--suggestions needs as many --vehicles (one risk per vehicle)")
    if -(-args.suggestions // args.centers) > 25:
        # A fresh offer gets the highest id: it must be on the one page the pollers read (limit=25).
        parser.error("at most 25 suggestions per center (--suggestions / --centers)")
    if not 0 < args.writes_per_s <= args.centers:
        parser.error("--writes-per-s must be between 1 and --centers (distinct centers each second)")
    runs = {w: _measure(args, workers=w) for w in args.workers}
    print(f"fleet: {args.vehicles} vehicles, {args.suggestions} open suggestions over {args.centers} centers")
    print(
        f"{'phase':<46}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}"
        f"{'CPU ms/req: api':>17}{'postgres':>10}{'client':>8}{'cache hits':>12}"
    )
    for w, run in runs.items():
        procs = f"{w} worker" + ("s" if w > 1 else "")
        for label, r in (
            (f"/livez, {args.pollers} connections, {procs}", run["livez"]),
            (f"feed, {args.pollers} pollers, {procs}", run["feed"]),
            (f"feed, offered {args.rate:g} req/s, {procs}", run["feed_paced"]),
            (f"feed + writes, offered {args.rate:g} req/s, {procs}", run["feed_writes"]),
        ):
            cpu, hits = r["cpu_ms"], r.get("cache_hit_rate")
            print(
                f"{label:<46}{r['rps']:>10}{r['p50_ms']:>10}{r['p99_ms']:>10}{r['errors']:>8}"
                f"{cpu['api']:>17}{cpu['postgres']:>10}{cpu['client']:>8}"
                f"{'-' if hits is None else f'{hits:.1%}':>12}"
            )
    for w, run in runs.items():
        wr = run["feed_writes"]
        window = wr["window_ms"]
        print(
            f"writes, {w} worker{'s' if w > 1 else ''}: {wr['writes']} ({wr['writes_per_s']}/s, distinct centers "
            f"each second, of {wr['centers']}), {wr['write_errors']} errors; from COMMIT to the first poll showing "
            f"it: p50 {window['p50']} ms, p99 {window['p99']} ms, max {window['max']} ms "
            f"({window['measured']} measured, {wr['unseen']} never shown); stale reads {wr['stale_reads']} "
            f"(latest sent {wr['stale_lag_max_ms']} ms after its COMMIT)"
        )
    # The headline figures are those of the last --workers value; every configuration is under "runs".
    last = runs[args.workers[-1]]
    livez, feed, paced, writes = last["livez"], last["feed"], last["feed_paced"], last["feed_writes"]
    figures = {
        "centers": args.centers,
        "vehicles": args.vehicles,
        "open_suggestions": args.suggestions,
        "pollers": args.pollers,
        "seconds_per_phase": args.seconds,
        "writes_per_s_offered": args.writes_per_s,
        "cpus": os.cpu_count(),
        "load_avg_1m": round(os.getloadavg()[0], 2),
        "workers": args.workers[-1],
        "runs": {str(w): run for w, run in runs.items()},
        "livez": livez,
        "feed": feed,
        "feed_paced": paced,
        "feed_writes": writes,
        "feed_rps": feed["rps"],
        "feed_p99_ms": paced["p99_ms"],
        "feed_writes_p99_ms": writes["p99_ms"],
        "feed_writes_hit_rate": writes["cache_hit_rate"],
        "stale_window_p99_ms": writes["window_ms"]["p99"],
        "livez_rps": livez["rps"],
        "ratio_feed_vs_livez": round(feed["rps"] / livez["rps"], 3) if livez["rps"] else None,
    }
    print(json.dumps(figures, sort_keys=True))


def _measure(args: argparse.Namespace, *, workers: int) -> dict:
    """Seed a fresh database, serve it with `workers` processes and run the four phases."""
    port = free_port()
    with (
        throwaway_database(
            args.admin_url, centers=args.centers, vehicles=args.vehicles, suggestions=args.suggestions
        ) as (url, keys),
        served(url, port=port, pool_max=args.pool_max, workers=workers) as server,
    ):
        meter = CpuMeter(api_pid=server.pid, dbname=str(conninfo.conninfo_to_dict(url)["dbname"]))
        asyncio.run(
            closed_loop(port, pollers=args.pollers, seconds=min(2.0, args.seconds), keys=keys)
        )  # warm-up
        livez = asyncio.run(
            metered(meter, closed_loop(port, pollers=args.pollers, seconds=args.seconds, keys=None))
        )
        feed = asyncio.run(
            metered(meter, closed_loop(port, pollers=args.pollers, seconds=args.seconds, keys=keys))
        )
        paced = asyncio.run(
            metered(
                meter,
                open_loop(port, rate=args.rate, seconds=args.seconds, keys=keys, connections=args.pollers),
            )
        )
        writes = _feed_writes(args, port=port, url=url, keys=keys, meter=meter)
    return {"livez": livez, "feed": feed, "feed_paced": paced, "feed_writes": writes}


def _feed_writes(args: argparse.Namespace, *, port: int, url: str, keys: list[str], meter: CpuMeter) -> dict:
    """The open loop over every center while the writer changes suggestions; latency, hits and the writes."""
    log = WriteLog()
    # The writes stop a second before the polls (half the phase in --quick), so each can still be seen: a write
    # never shown by the end is a lost invalidation, not the end of the phase.
    write_s = max(args.seconds - 1.0, args.seconds / 2)
    writer = SuggestionWriter(url, per_s=args.writes_per_s, seconds=write_s, log=log)
    writer.start()
    try:
        phase = asyncio.run(
            metered(
                meter,
                open_loop(
                    port,
                    rate=args.rate,
                    seconds=args.seconds,
                    keys=keys,
                    connections=args.pollers,
                    writes=log,
                ),
            )
        )
    finally:
        writer.stop()
    return {**phase, **log.summary(seconds=write_s, centers=len(keys))}


if __name__ == "__main__":
    main()
