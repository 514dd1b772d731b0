"""Ingest throughput against its ceilings, in one run on one machine, with a private tuned Mosquitto and a
throwaway database. Prints a table, then (last line) one JSON object.

    python -m bench.ingest                     # 100k messages, medians of 3 drains
    python -m bench.ingest --rss-messages 1000000  # only: the ingester's peak RSS draining 1M queued messages
    python -m bench.ingest --quick             # a few seconds, run by the test suite

Every drain reads a queue the broker filled for a persistent session before the subscriber connects, so the
publisher's CPU is out of the measurement. Carecast runs as the real `python -m ingest` process.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from psycopg import conninfo

from bench import ingest_peers as peers
from bench.ingest_drain import TOPIC_ROOT, IngesterProcess, carecast_drain, median_cpu, wait_until
from core.contracts import telemetry_subscription, telemetry_topic
from core.db import scalar
from core.migrate import migrate
from ingest.decode import Limits, decode

# The live phase publishes from one Python process (paho, one GIL): on this machine it keeps a schedule up to
# ~8-10k msg/s and falls behind past that, and a late publisher's own queue would count as ingest latency
# (docs/ingest.md). Half the 1-sample drain rate, at most this.
LIVE_RATE_MAX = 7500


def paho_drain(*, port: int, messages: list[tuple[str, bytes]], on_message=None) -> float:
    """Queue `messages` for a bare paho session and return the messages per second of its drain."""
    client_id = f"bench-paho-{uuid.uuid4().hex[:6]}"
    peers.persistent_session(port=port, client_id=client_id, topic_filter=telemetry_subscription(TOPIC_ROOT))
    peers.publish_all(port=port, root=TOPIC_ROOT, messages=messages)
    seconds = peers.drain(port=port, client_id=client_id, expected=len(messages), on_message=on_message)
    return len(messages) / seconds


def decode_cost(messages: list[tuple[str, bytes]], *, rows: int) -> dict[str, float]:
    """Return the CPU microseconds per row of ingest's decode() on `messages` (vin, payload), in this process:
    the typed fast path (msgspec, what the ingester runs) and the per-sample path (orjson, then one check per
    value: what a message the fast path steps aside from gets) on the same payloads."""
    now, limits = datetime.now(UTC), Limits()
    out = {}
    for name, fast in (("typed", True), ("per_sample", False)):
        started = time.process_time()
        for vin, payload in messages:
            decode(vin, payload, now=now, limits=limits, fast=fast, vehicle_id=1)
        out[name] = round((time.process_time() - started) / rows * 1e6, 2)
    return out


def _publish_paced(*, port: int, rate: float, seconds: float) -> dict:
    """Publish 1-sample messages stamped with their publish time at `rate`/s; return how many, the rate really
    offered and how far the publisher fell behind its schedule (a late publisher offers less than `rate`)."""
    client = peers.bench_client(port, client_id=f"bench-live-{uuid.uuid4().hex[:6]}")
    # No client-side in-flight cap: a message must leave when it is stamped, not wait in paho's queue (that
    # wait would count as ingest latency). The deque below keeps packet ids (16 bit) from wrapping.
    client.max_inflight_messages_set(0)
    client.connect("127.0.0.1", port)
    client.loop_start()
    total = max(1, int(rate * seconds))
    pending: collections.deque = collections.deque()
    max_lag = 0.0
    started = time.perf_counter()
    for n in range(total):
        due = started + n / rate
        pause = due - time.perf_counter()
        if pause > 0:
            time.sleep(pause)  # pacing the publisher, not waiting for a result
        else:
            max_lag = max(max_lag, -pause)
        sample = peers.Sample(n % peers.VEHICLES, datetime.now(UTC), (1.0, 2.0, 12.6, 0.5, 45.7, 126.6, n))
        topic = telemetry_topic(TOPIC_ROOT, peers.vin(sample.vehicle))
        pending.append(client.publish(topic, peers.body([sample]), qos=1))
        if len(pending) >= 30000:  # packet ids are 16 bit
            pending.popleft().wait_for_publish(timeout=60)
    published = time.perf_counter() - started
    for info in pending:
        info.wait_for_publish(timeout=60)
    client.disconnect()
    client.loop_stop()
    return {"total": total, "offered_rate": total / published, "max_lag_s": max_lag}


def latency(*, url: str, port: int, workdir: Path, rate: float, seconds: float) -> dict:
    """Publish to a live ingester at `rate`/s; return the publish -> commit latency percentiles (commit time =
    the row's committed_at default, set by the INSERT inside the committing transaction)."""
    ingester = IngesterProcess(
        url=url, port=port, client_id=f"bench-live-{uuid.uuid4().hex[:6]}", workdir=workdir
    )
    try:
        wait_until(lambda: ingester.events("subscribed"), timeout=30, what="the live ingester")
        offered = _publish_paced(port=port, rate=rate, seconds=seconds)
        total = offered["total"]
        with psycopg.connect(url, autocommit=True) as conn:
            wait_until(
                lambda: scalar(conn, "SELECT count(*) FROM telemetry") >= total,
                timeout=120,
                what="the live messages",
            )
            p50, p99 = scalar(
                conn,
                "SELECT percentile_cont(ARRAY[0.5, 0.99]) WITHIN GROUP"
                " (ORDER BY extract(epoch FROM committed_at - ts) * 1000) FROM telemetry",
            )
            conn.execute("TRUNCATE telemetry")
    finally:
        ingester.stop()
    return {
        "rate": rate,
        "offered_rate": offered["offered_rate"],
        "publisher_lag_ms": offered["max_lag_s"] * 1000,
        "p50_ms": p50,
        "p99_ms": p99,
    }


def run(args: argparse.Namespace, *, url: str, workdir: Path) -> dict:
    """Run every measurement and return the summary."""
    n = args.messages
    drains = 1 if args.quick else 3
    base = peers.base_time()
    broker, port = peers.start_broker(workdir / "broker")
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            ids = peers.register_fleet(conn)
            ones = peers.message_set(n, per_message=1, base=base)
            # Same message count as the 1-sample drains (the targets are for drains of >= 100k messages).
            twenties = peers.message_set(n, per_message=20, base=base)
            decoding = {
                "1": decode_cost(ones, rows=n),
                "20": decode_cost(twenties[: max(1, n // 20)], rows=max(1, n // 20) * 20),
            }
            copy_rows = peers.copy_rows(n, per_message=1, base=base, ids=ids)
            copy_s = []
            for _ in range(drains):
                copy_s.append(peers.copy_ceiling(conn, copy_rows))
                conn.execute("TRUNCATE telemetry")
        paho = statistics.median(paho_drain(port=port, messages=ones) for _ in range(drains))
        naive_n = min(n, 300 if args.quick else 5000)
        with psycopg.connect(url) as naive_conn:
            naive = paho_drain(
                port=port, messages=ones[:naive_n], on_message=peers.naive_handler(naive_conn, ids)
            )
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("TRUNCATE telemetry")
        one = [
            carecast_drain(url=url, port=port, workdir=workdir, messages=ones, rows=n, broker_pid=broker.pid)
            for _ in range(drains)
        ]
        twenty_rows = len(twenties) * 20
        twenty = [
            carecast_drain(
                url=url,
                port=port,
                workdir=workdir,
                messages=twenties,
                rows=twenty_rows,
                broker_pid=broker.pid,
            )
            for _ in range(drains)
        ]
        msgs_1 = statistics.median(d["msgs_per_s"] for d in one)
        # Scale-out: two ingesters on a shared subscription drain the same 1-sample queue (one drain).
        two = carecast_drain(url=url, port=port, workdir=workdir, messages=ones, rows=n, instances=2)
        two_20 = carecast_drain(
            url=url, port=port, workdir=workdir, messages=twenties, rows=twenty_rows, instances=2
        )
        live = latency(
            url=url,
            port=port,
            workdir=workdir,
            rate=min(msgs_1 / 2, LIVE_RATE_MAX),
            seconds=1.0 if args.quick else 10.0,
        )
    finally:
        broker.terminate()
        broker.wait(timeout=10)
    copy_rate = n / statistics.median(c.seconds for c in copy_s)
    server_cpu = [c.server_cpu_s for c in copy_s if c.server_cpu_s is not None]
    rows_20 = statistics.median(d["rows_per_s"] for d in twenty)
    return {
        "messages": n,
        "drains": drains,
        "paho_msgs_per_s": round(paho),
        "copy_rows_per_s": round(copy_rate),
        "naive_rows_per_s": round(naive),
        "carecast_msgs_per_s_1": round(msgs_1),
        "carecast_rows_per_s_20": round(rows_20),
        "ratio_msgs_vs_paho": round(msgs_1 / paho, 3),
        "ratio_rows_vs_copy": round(rows_20 / copy_rate, 3),
        "ratio_rows_vs_naive": round(rows_20 / naive, 1),
        # Where the CPU goes (microseconds of CPU per row; medians): the ceiling's client and server, and the
        # processes of a 20-sample drain. On a loaded machine the CPU cost moves less than the wall-clock rates.
        "copy_cpu_us_per_row": {
            "client": round(statistics.median(c.client_cpu_s for c in copy_s) / n * 1e6, 2),
            "postgres": round(statistics.median(server_cpu) / n * 1e6, 2) if server_cpu else None,
        },
        "carecast_cpu_us_per_row_20": median_cpu([d["cpu_us_per_row"] for d in twenty]),
        # decode() alone, in-process, per row: the typed path the ingester runs against the per-sample path
        "decode_cpu_us_per_row": decoding,
        "carecast_msgs_per_s_1_two_ingesters": round(two["msgs_per_s"]),
        "carecast_rows_per_s_20_two_ingesters": round(two_20["rows_per_s"]),
        "ratio_rows_vs_copy_two_ingesters": round(two_20["rows_per_s"] / copy_rate, 3),
        "connection_drops": sum(len(d["drops"]) for d in [*one, *twenty, two, two_20]),
        "lost": sum(d["lost"] for d in [*one, *twenty, two, two_20]),
        "duplicates": sum(d["duplicates"] for d in [*one, *twenty, two, two_20]),
        "peak_rss_mb": round(max(d["rss_mb"] for d in one + twenty), 1),
        "latency_rate_msgs_per_s": round(live["rate"]),
        "latency_offered_msgs_per_s": round(live["offered_rate"]),
        "latency_publisher_lag_ms": round(live["publisher_lag_ms"], 1),
        "latency_p50_ms": round(live["p50_ms"], 1),
        "latency_p99_ms": round(live["p99_ms"], 1),
    }


def rss_run(args: argparse.Namespace, *, url: str, workdir: Path) -> dict:
    """Drain `--rss-messages` 1-sample messages queued for one ingester; return its peak RSS and the counts."""
    n = args.rss_messages
    broker, port = peers.start_broker(workdir / "broker")
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            peers.register_fleet(conn)
        ones = peers.message_set(n, per_message=1, base=peers.base_time())
        drained = carecast_drain(url=url, port=port, workdir=workdir, messages=ones, rows=n)
    finally:
        broker.terminate()
        broker.wait(timeout=10)
    return {
        "rss_messages": n,
        "seconds": round(drained["seconds"], 1),
        "carecast_msgs_per_s_1": round(drained["msgs_per_s"]),
        "lost": drained["lost"],
        "duplicates": drained["duplicates"],
        "peak_rss_mb": round(drained["rss_mb"], 1),
        "ingester_connects": drained["connects"],
        "connection_drops": drained["drops"],
    }


def _print_table(r: dict) -> None:
    cpu20 = r["carecast_cpu_us_per_row_20"]
    lines = [
        ("paho ceiling (do-nothing subscriber)", f"{r['paho_msgs_per_s']:>10,} msg/s", ""),
        ("COPY ceiling (binary COPY, no MQTT)", f"{r['copy_rows_per_s']:>10,} rows/s", ""),
        ("naive peer (INSERT + commit per message)", f"{r['naive_rows_per_s']:>10,} rows/s", ""),
        (
            "Carecast, 1 sample/message",
            f"{r['carecast_msgs_per_s_1']:>10,} msg/s",
            f"x{r['ratio_msgs_vs_paho']} paho",
        ),
        (
            "Carecast, 20 samples/message",
            f"{r['carecast_rows_per_s_20']:>10,} rows/s",
            f"x{r['ratio_rows_vs_copy']} COPY",
        ),
        (
            "Carecast, 2 ingesters, shared subscription",
            f"{r['carecast_msgs_per_s_1_two_ingesters']:>10,} msg/s",
            "",
        ),
        (
            "  the same, 20 samples/message",
            f"{r['carecast_rows_per_s_20_two_ingesters']:>10,} rows/s",
            f"x{r['ratio_rows_vs_copy_two_ingesters']} COPY",
        ),
        (
            f"publish -> commit at {r['latency_rate_msgs_per_s']:,} msg/s",
            f"p50 {r['latency_p50_ms']} ms",
            f"p99 {r['latency_p99_ms']} ms",
        ),
        ("lost / duplicates / peak RSS", f"{r['lost']} / {r['duplicates']}", f"{r['peak_rss_mb']} MB"),
        (
            "CPU us/row: COPY client / its server",
            f"{r['copy_cpu_us_per_row']['client']} / {r['copy_cpu_us_per_row']['postgres']}",
            "",
        ),
        (
            "CPU us/row, 20/message: ingester / server",
            f"{cpu20['ingester']} / {cpu20['postgres']}",
            f"mosquitto {cpu20['mosquitto']}",
        ),
    ]
    for size, cost in r["decode_cpu_us_per_row"].items():
        lines.append(
            (
                f"decode() CPU us/row, {size}/message: typed",
                f"{cost['typed']}",
                f"per-sample {cost['per_sample']}",
            )
        )
    print(f"bench.ingest: {r['messages']:,} messages, medians of {r['drains']} drain(s)")
    for name, value, extra in lines:
        print(f"  {name:<44}{value:<22}{extra}")


def main(argv: list[str] | None = None) -> None:
    """Create a throwaway database, run the benchmark, print the table and the JSON line, drop the database."""
    parser = argparse.ArgumentParser(prog="python -m bench.ingest", description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000, help="messages per drain (default 100000)")
    parser.add_argument("--quick", action="store_true", help="2000 messages, one drain each (for the tests)")
    parser.add_argument(
        "--rss-messages",
        type=int,
        help="instead: drain this many queued 1-sample messages with one ingester, report its peak RSS",
    )
    args = parser.parse_args(argv)
    if args.quick and args.messages == 100_000:
        args.messages = 2000
    admin = os.environ.get("CARECAST_TEST_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    name = f"carecast_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = conninfo.make_conninfo(admin, dbname=name)
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            migrate(conn, timescale="off")
            # Bench-only: when each row was inserted (inside the ingester's committing transaction).
            conn.execute(
                "ALTER TABLE telemetry ADD COLUMN committed_at timestamptz DEFAULT clock_timestamp()"
            )
        with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
            if args.rss_messages:
                result = rss_run(args, url=url, workdir=Path(tmp))
            else:
                result = run(args, url=url, workdir=Path(tmp))
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    if args.rss_messages:
        print(f"bench.ingest: one ingester draining {result['rss_messages']:,} queued 1-sample messages")
        print(
            f"  {result['seconds']} s, {result['carecast_msgs_per_s_1']:,} msg/s, lost {result['lost']},"
            f" duplicates {result['duplicates']}, peak RSS {result['peak_rss_mb']} MB"
        )
    else:
        _print_table(result)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
