"""Throughput and memory of the master-data import (core/masterdata): N customers and their N vehicles imported
from CSV files, against a plain COPY of the same rows into the same tables in the same run. Prints a table, then
one JSON line.

    python -m bench.masterdata              # 100,000 customers and 100,000 vehicles
    python -m bench.masterdata --quick      # 500 of each, for the test suite

Each leg runs in its own throwaway migrated database (plain PostgreSQL mode). The import runs in a child process,
so its peak RSS (getrusage ru_maxrss) is the import's alone; the child also reports its RSS before the import
(the interpreter with the modules loaded), so the streaming claim is checked: peak minus baseline stays flat as
N grows.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from psycopg import conninfo, sql

from core.migrate import migrate
from domain.vin import vin_check_digit

CENTERS = 20
REGIONS = ("shanghai", "beijing", "guangzhou", "chengdu", "harbin", "urumqi")
CUSTOMER_COLUMNS = ("ref", "name", "locale", "tz", "segment", "email", "app", "consent_in_app", "consent_email",
                    "preferred_center_code")  # fmt: skip
VEHICLE_COLUMNS = ("vin", "brand", "model", "model_year", "powertrain", "registered_on", "odometer_at_registration_km",
                   "owner_ref")  # fmt: skip


def vin(n: int) -> str:
    """Return a valid VIN (check digit included) unique for `n`."""
    draft = f"LSVAU2180N{n:07d}"
    return draft[:8] + vin_check_digit(draft) + draft[9:]


def write_files(directory: Path, *, n: int) -> dict[str, Path]:
    """Write centers.csv, customers.csv and vehicles.csv with `n` customers each owning one vehicle."""
    paths = {name: directory / f"{name}.csv" for name in ("centers", "customers", "vehicles")}
    with paths["centers"].open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(
            ["code", "name", "city", "region", "lat_deg", "lon_deg", "tz", "mon", "tue", "wed", "thu", "fri"]
        )
        for i in range(CENTERS):
            w.writerow([f"C{i:03d}", f"Center {i}", "City", REGIONS[i % len(REGIONS)], 31.2, 121.5, "Asia/Shanghai",
                        *["08:30-18:00"] * 5])  # fmt: skip
    with paths["customers"].open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(CUSTOMER_COLUMNS)
        for i in range(n):
            w.writerow([f"R{i:07d}", f"Owner {i}", "zh-CN", "Asia/Shanghai", "family", f"o{i}@example.cn", "true",
                        "true", "false", f"C{i % CENTERS:03d}"])  # fmt: skip
    with paths["vehicles"].open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(VEHICLE_COLUMNS)
        for i in range(n):
            w.writerow(
                [vin(i), "Volkswagen", "Lavida", 2015 + i % 10, "ICE", "2021-05-01", i % 100, f"R{i:07d}"]
            )
    return paths


@contextmanager
def throwaway_database(admin_url: str) -> Iterator[str]:
    """Yield the URL of a new migrated database (plain PostgreSQL mode); drop it afterwards."""
    name = f"carecast_bench_md_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = conninfo.make_conninfo(admin_url, dbname=name)
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            migrate(conn, timescale="off")
        yield url
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _rss_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux


def child(url: str, directory: Path) -> None:
    """In the child process: import the three files through the engine; print one JSON line of figures."""
    import structlog

    from core.masterdata.engine import ImportOptions, ImportSource, import_file
    from core.masterdata.readers import FileFormat
    from core.settings import MasterdataSettings
    from domain.masterdata import ENTITIES, EntityName

    structlog.configure(
        wrapper_class=structlog.make_filtering_bound_logger(40)
    )  # batch lines off: only figures
    log = structlog.get_logger("bench")
    before = _rss_kib()
    seconds: dict[str, float] = {}
    with psycopg.connect(url) as conn:
        for name in ("centers", "customers", "vehicles"):
            path = directory / f"{name}.csv"
            started = time.perf_counter()
            with path.open("rb") as stream:
                report = import_file(
                    conn, entity=ENTITIES[EntityName(name)],
                    source=ImportSource(path.name, stream, path.stat().st_size, FileFormat.CSV),
                    options=ImportOptions(), settings=MasterdataSettings(), now=datetime.now(UTC), log=log,
                )  # fmt: skip
            seconds[name] = time.perf_counter() - started
            assert report.written and report.bad_rows == 0, report.summary()
    print(json.dumps({"seconds": seconds, "rss_before_kib": before, "rss_peak_kib": _rss_kib()}))


def measure_import(url: str, directory: Path) -> dict:
    """Run the import in a child process; return its timings and memory."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.masterdata", "--child", url, str(directory)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"import child failed: {done.stderr.strip()[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure_copy(url: str, directory: Path) -> dict:
    """COPY the same customers and vehicles (read from the same files) into the same tables; return the seconds."""
    with psycopg.connect(url, autocommit=True) as conn:
        centers = directory / "centers.csv"
        with centers.open() as f:
            rows = list(csv.DictReader(f))
        for r in rows:
            conn.execute(
                "INSERT INTO service_center (code, name, city, region, lat_deg, lon_deg, tz, opening_hours)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, '{}')",
                (r["code"], r["name"], r["city"], r["region"], r["lat_deg"], r["lon_deg"], r["tz"]),
            )
        center_ids: dict[str, int] = dict(conn.execute("SELECT code, id FROM service_center").fetchall())
        seconds: dict[str, float] = {}
        started = time.perf_counter()
        with conn.transaction(), conn.cursor() as cur, (directory / "customers.csv").open() as f:
            statement = (
                "COPY customer (ref, name, locale, tz, segment, preferred_center_id, channels) FROM STDIN"
            )
            with cur.copy(statement) as copy:
                for r in csv.DictReader(f):
                    channels = json.dumps({"app": True, "email": r["email"]})
                    copy.write_row((r["ref"], r["name"], r["locale"], r["tz"], r["segment"],
                                    center_ids[r["preferred_center_code"]], channels))  # fmt: skip
        seconds["customers"] = time.perf_counter() - started
        customer_ids: dict[str, int] = dict(conn.execute("SELECT ref, id FROM customer").fetchall())
        started = time.perf_counter()
        with conn.transaction(), conn.cursor() as cur, (directory / "vehicles.csv").open() as f:
            statement = (
                "COPY vehicle (vin, customer_id, brand, model, model_year, powertrain, region, registered_on,"
                " odometer_at_registration_km) FROM STDIN"
            )
            with cur.copy(statement) as copy:
                for r in csv.DictReader(f):
                    copy.write_row((r["vin"], customer_ids[r["owner_ref"]], r["brand"], r["model"], r["model_year"],
                                    r["powertrain"], "shanghai", r["registered_on"],
                                    r["odometer_at_registration_km"]))  # fmt: skip
        seconds["vehicles"] = time.perf_counter() - started
        counts = conn.execute(
            "SELECT (SELECT count(*) FROM customer), (SELECT count(*) FROM vehicle)"
        ).fetchone()
    assert counts is not None
    return {"seconds": seconds, "rows": {"customers": counts[0], "vehicles": counts[1]}}


def main(argv: list[str] | None = None) -> None:
    """Measure the import against COPY; print a table and one JSON line."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.masterdata",
        description=__doc__.split("\n\n")[0],
        epilog="\n\n".join(__doc__.split("\n\n")[1:]),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--rows", type=int, default=100_000, help="customers, and as many vehicles")
    parser.add_argument("--quick", action="store_true", help="500 customers and vehicles")
    parser.add_argument(
        "--admin-url",
        default=os.environ.get("CARECAST_TEST_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
        help="plain PostgreSQL where throwaway databases are created (default: $CARECAST_TEST_ADMIN_URL)",
    )
    parser.add_argument("--child", nargs=2, metavar=("URL", "DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child[0], Path(args.child[1]))
        return
    n = 500 if args.quick else args.rows
    with tempfile.TemporaryDirectory(prefix="carecast-bench-md-") as tmp:
        directory = Path(tmp)
        paths = write_files(directory, n=n)
        file_bytes = {name: p.stat().st_size for name, p in paths.items()}
        with throwaway_database(args.admin_url) as url:
            imported = measure_import(url, directory)
        with throwaway_database(args.admin_url) as url:
            copied = measure_copy(url, directory)
    legs = {}
    for name in ("customers", "vehicles"):
        imp, cp = imported["seconds"][name], copied["seconds"][name]
        legs[name] = {
            "rows": n, "file_bytes": file_bytes[name],
            "import_s": round(imp, 3), "import_rows_per_s": round(n / imp),
            "copy_s": round(cp, 3), "copy_rows_per_s": round(n / cp), "import_over_copy": round(imp / cp, 2),
        }  # fmt: skip
    total_imp = sum(imported["seconds"][k] for k in legs)
    total_cp = sum(copied["seconds"][k] for k in legs)
    figures = {
        "rows": n,
        "legs": legs,
        "import_rows_per_s": round(2 * n / total_imp),
        "copy_rows_per_s": round(2 * n / total_cp),
        "import_over_copy": round(total_imp / total_cp, 2),
        "rss_before_mib": round(imported["rss_before_kib"] / 1024, 1),
        "rss_peak_mib": round(imported["rss_peak_kib"] / 1024, 1),
    }
    print(f"master-data import of {n:,} customers and {n:,} vehicles (CSV), against COPY of the same rows")
    print(f"  {'':10} {'import s':>9} {'rows/s':>9} {'COPY s':>8} {'rows/s':>9} {'ratio':>6}")
    for name, leg in legs.items():
        print(f"  {name:10} {leg['import_s']:9.2f} {leg['import_rows_per_s']:9,} {leg['copy_s']:8.2f}"
              f" {leg['copy_rows_per_s']:9,} {leg['import_over_copy']:6.2f}")  # fmt: skip
    print(f"  {'total':10} {total_imp:9.2f} {figures['import_rows_per_s']:9,} {total_cp:8.2f}"
          f" {figures['copy_rows_per_s']:9,} {figures['import_over_copy']:6.2f}")  # fmt: skip
    print(f"  import process RSS: {figures['rss_before_mib']} MiB before, {figures['rss_peak_mib']} MiB peak")
    print(json.dumps(figures, sort_keys=True))


if __name__ == "__main__":
    main()
