"""Storage footprint of telemetry: bytes per row and index sizes on plain PostgreSQL, and the compression ratio of
TimescaleDB chunks (on the WASM TimescaleDB test engine). Prints a table, then one JSON line.

    python -m bench.storage            # 200 vehicles x 14 days x 96 samples/day
    python -m bench.storage --quick    # a few seconds, for the test suite
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from psycopg import conninfo, sql

from bench import wasm_timescale
from bench.synthetic import FleetShape, copy_telemetry, telemetry_rows
from core.migrate import migrate

ROOT = Path(__file__).resolve().parent.parent
# A fixed past end day: the figures do not depend on when the benchmark runs.
END = datetime(2026, 1, 15, tzinfo=UTC)

_INDEX_SIZES = """
SELECT c.relname, pg_relation_size(c.oid)
FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
WHERE i.indrelid = 'telemetry'::regclass ORDER BY c.relname
"""


def _row(conn: psycopg.Connection, query: str) -> tuple:
    """Return the one row `query` yields."""
    row = conn.execute(query).fetchone()
    if row is None:
        raise LookupError(f"no row from {query!r}")
    return row


def measure_postgres(admin_url: str, *, shape: FleetShape) -> dict:
    """Load `shape` into a throwaway migrated database (plain PostgreSQL mode) and return its sizes."""
    name = f"carecast_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        with psycopg.connect(conninfo.make_conninfo(admin_url, dbname=name), autocommit=True) as conn:
            migrate(conn, timescale="off")
            rows = copy_telemetry(conn, rows=telemetry_rows(shape))
            conn.execute("VACUUM ANALYZE telemetry")
            heap, total, version = _row(
                conn,
                "SELECT pg_table_size('telemetry'), pg_total_relation_size('telemetry'),"
                " split_part(current_setting('server_version'), ' ', 1)",
            )
            indexes: dict[str, int] = dict(conn.execute(_INDEX_SIZES).fetchall())
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    return {
        "server": f"PostgreSQL {version}",
        "rows": rows,
        "table_bytes": heap,
        "index_bytes": indexes,
        "total_bytes": total,
        "bytes_per_row": round(total / rows, 1),
        "table_bytes_per_row": round(heap / rows, 1),
    }


def measure_timescale(url: str, *, shape: FleetShape, chunk_days: int | None = None) -> dict:
    """Load `shape` into a fresh TimescaleDB (one connection), compress every chunk and return the sizes."""
    with psycopg.connect(url, autocommit=True) as conn:
        migrate(conn, timescale="on")
        if chunk_days is not None:
            conn.execute(
                "SELECT set_chunk_time_interval('telemetry', make_interval(days => %s))", (chunk_days,)
            )
        rows = copy_telemetry(conn, rows=telemetry_rows(shape))
        (chunks,) = _row(conn, "SELECT count(*) FROM show_chunks('telemetry')")
        conn.execute("SELECT compress_chunk(c) FROM show_chunks('telemetry') AS c")
        before, after, version, wasm = _row(
            conn,
            "SELECT before_compression_total_bytes, after_compression_total_bytes,"
            " (SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'),"
            " version() ILIKE '%emscripten%'"
            " FROM hypertable_compression_stats('telemetry')",
        )
    return {
        "server": f"TimescaleDB {version}" + (" (WASM test engine)" if wasm else ""),
        "rows": rows,
        "chunks": chunks,
        "chunk_days": chunk_days or 1,
        "uncompressed_bytes": before,
        "compressed_bytes": after,
        "uncompressed_bytes_per_row": round(before / rows, 1),
        "compressed_bytes_per_row": round(after / rows, 1),
        "compression_ratio": round(before / after, 2),
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _timescale_leg(args: argparse.Namespace, shape: FleetShape) -> dict | None:
    if args.tsdb_url:
        return measure_timescale(args.tsdb_url, shape=shape, chunk_days=args.chunk_days)
    reason = wasm_timescale.missing_runtime()
    if reason:
        print(f"timescale: skipped ({reason})", file=sys.stderr)
        return None
    server = wasm_timescale.start(repo_root=ROOT, port=_free_port())
    try:
        return measure_timescale(server.url, shape=shape, chunk_days=args.chunk_days)
    finally:
        server.stop()


def _print_table(shape: FleetShape, pg: dict, ts: dict | None) -> None:
    print(
        f"fleet: {shape.vehicles} vehicles x {shape.days} days x {shape.samples_per_day} samples/day"
        f" = {shape.rows} rows"
    )
    print(f"{'engine / relation':<52}{'bytes':>14}{'bytes/row':>12}")
    print(
        f"{pg['server'] + ': telemetry table (heap+toast)':<52}{pg['table_bytes']:>14}"
        f"{pg['table_bytes_per_row']:>12}"
    )
    for index, size in pg["index_bytes"].items():
        print(f"{'  index ' + index:<52}{size:>14}{size / pg['rows']:>12.1f}")
    print(f"{'  total':<52}{pg['total_bytes']:>14}{pg['bytes_per_row']:>12}")
    if ts is not None:
        print(f"{ts['server']}: {ts['chunks']} chunks of {ts['chunk_days']} day(s)")
        print(
            f"{'  uncompressed (table + indexes)':<52}{ts['uncompressed_bytes']:>14}"
            f"{ts['uncompressed_bytes_per_row']:>12}"
        )
        print(
            f"{'  compressed (segmentby vehicle_id)':<52}{ts['compressed_bytes']:>14}"
            f"{ts['compressed_bytes_per_row']:>12}"
        )
        print(f"{'  compression ratio':<52}{ts['compression_ratio']:>14}")


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print its table and JSON line."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.storage",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--vehicles", type=int, default=200)
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--samples-per-day", type=int, default=96)
    parser.add_argument("--quick", action="store_true", help="20 vehicles x 3 days x 24 samples/day")
    parser.add_argument(
        "--admin-url",
        default=os.environ.get("CARECAST_TEST_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
        help="plain PostgreSQL where a throwaway database is created (default: $CARECAST_TEST_ADMIN_URL)",
    )
    parser.add_argument("--tsdb-url", help="an empty TimescaleDB to use instead of starting the WASM engine")
    parser.add_argument("--chunk-days", type=int, help="TimescaleDB chunk interval to try (migration: 1 day)")
    parser.add_argument("--no-timescale", action="store_true", help="measure plain PostgreSQL only")
    args = parser.parse_args(argv)
    if args.quick:
        args.vehicles, args.days, args.samples_per_day = 20, 3, 24
    shape = FleetShape(vehicles=args.vehicles, days=args.days, end=END, samples_per_day=args.samples_per_day)
    pg = measure_postgres(args.admin_url, shape=shape)
    ts = None if args.no_timescale else _timescale_leg(args, shape)
    _print_table(shape, pg, ts)
    figures = {
        "vehicles": shape.vehicles,
        "days": shape.days,
        "samples_per_day": shape.samples_per_day,
        "rows": shape.rows,
        "postgres": pg,
        "timescale": ts,
    }
    print(json.dumps(figures, sort_keys=True))


if __name__ == "__main__":
    main()
