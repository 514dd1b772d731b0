"""Forward-only SQL migrations with an advisory lock and a ``schema_migration`` table.

Files are ``core/migrations/NNNN_what.sql`` (every engine), ``NNNN_what.timescale.sql`` (TimescaleDB only) and
``NNNN_what.postgres.sql`` (plain PostgreSQL fallback). The storage mode is decided once, at the first
migration, and recorded in ``carecast_storage``; later runs use the recorded mode.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from importlib import resources

import psycopg
import psycopg.rows

from core.db import StorageInfo, StorageMode
from core.errors import MigrationError

_LOCK_KEY = 0x43415245  # 'CARE'
_NAME_RE = re.compile(r"^(\d{4})_([a-z0-9_]+?)(?:\.(timescale|postgres))?\.sql$")

_BOOTSTRAP = """
CREATE TABLE IF NOT EXISTS schema_migration (
    version     integer PRIMARY KEY,
    name        text NOT NULL,
    checksum    text NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS carecast_storage (
    singleton          boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    mode               text NOT NULL CHECK (mode IN ('timescale', 'postgres')),
    timescale_version  text,
    timescale_license  text,
    decided_at         timestamptz NOT NULL DEFAULT now()
);
"""


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    files: tuple[tuple[str, str], ...]  # (file name, sql) applied in order

    @property
    def checksum(self) -> str:
        digest = hashlib.sha256()
        for fname, sql in self.files:
            digest.update(fname.encode() + b"\0" + sql.encode())
        return digest.hexdigest()


@dataclass
class MigrationReport:
    storage: StorageInfo
    applied: list[str] = field(default_factory=list)
    skipped: int = 0


def discover(mode: StorageMode) -> list[Migration]:
    """Return the migrations for `mode`, ordered by version (common file first, then the mode's variant)."""
    by_version: dict[int, dict[str, object]] = {}
    for entry in resources.files("core.migrations").iterdir():
        m = _NAME_RE.fullmatch(entry.name)
        if not m:
            continue
        version, name, variant = int(m.group(1)), m.group(2), m.group(3)
        slot = by_version.setdefault(
            version, {"name": name, "common": None, "timescale": None, "postgres": None}
        )
        if slot["name"] != name:
            raise MigrationError(f"migration {version:04d} has two names: {slot['name']} and {name}")
        slot[variant or "common"] = (entry.name, entry.read_text("utf-8"))
    out = []
    for version in sorted(by_version):
        slot = by_version[version]
        files = tuple(f for f in (slot["common"], slot[mode]) if f is not None)
        if (
            slot["timescale"] is not None
            and slot["postgres"] is None
            or (slot["postgres"] is not None and slot["timescale"] is None)
        ):
            raise MigrationError(
                f"migration {version:04d} needs both a .timescale.sql and a .postgres.sql variant"
            )
        out.append(Migration(version, str(slot["name"]), files))  # type: ignore[arg-type]
    return out


def _scalar(conn: psycopg.Connection, sql: str) -> str | None:
    row = conn.execute(sql).fetchone()
    return None if row is None else row[0]


def _decide_mode(conn: psycopg.Connection, want: str) -> StorageInfo:
    """Create the TimescaleDB extension where wanted and possible; return the mode to build the schema in."""
    if want == "off":
        return StorageInfo("postgres", None, None)
    available = conn.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'").fetchone()
    if available:
        try:
            with conn.transaction():
                conn.execute("CREATE EXTENSION IF NOT EXISTS timescaledb")
        except psycopg.Error as exc:
            if want == "on":
                raise MigrationError(f"cannot create the timescaledb extension: {exc}") from exc
            available = None
    if not available:
        if want == "on":
            raise MigrationError("timescale=on but the timescaledb extension is not available")
        return StorageInfo("postgres", None, None)
    version = _scalar(conn, "SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'")
    license_ = _scalar(conn, "SELECT current_setting('timescaledb.license', true)")
    if license_ == "apache":
        # Compression, retention policies and continuous aggregates need the community edition.
        if want == "on":
            raise MigrationError("timescaledb.license=apache lacks compression and continuous aggregates")
        return StorageInfo("postgres", version, license_)
    return StorageInfo("timescale", version, license_)


def migrate(conn: psycopg.Connection, *, timescale: str = "auto") -> MigrationReport:
    """Apply pending migrations under an advisory lock; re-running is a no-op. `conn` must be in autocommit."""
    if not conn.autocommit:
        raise MigrationError(
            "migrate() needs an autocommit connection (each migration is its own transaction)"
        )
    conn.execute("SELECT pg_advisory_lock(%s)", (_LOCK_KEY,))
    try:
        with conn.transaction():
            conn.execute(_BOOTSTRAP)
        row = conn.execute(
            "SELECT mode, timescale_version, timescale_license FROM carecast_storage"
        ).fetchone()
        if row:
            storage = StorageInfo(*row)
        else:
            storage = _decide_mode(conn, timescale)
            conn.execute(
                "INSERT INTO carecast_storage (mode, timescale_version, timescale_license) VALUES (%s, %s, %s)",
                (storage.mode, storage.timescale_version, storage.timescale_license),
            )
        applied: dict[int, str] = dict(
            conn.execute("SELECT version, checksum FROM schema_migration").fetchall()
        )
        report = MigrationReport(storage=storage)
        for mig in discover(storage.mode):
            if mig.version in applied:
                if applied[mig.version] != mig.checksum:
                    raise MigrationError(
                        f"migration {mig.version:04d}_{mig.name} changed after it was applied; add a new one instead"
                    )
                report.skipped += 1
                continue
            try:
                with conn.transaction():
                    for _fname, sql in mig.files:
                        conn.execute(sql)  # no parameters: psycopg sends the file as one simple query
                    conn.execute(
                        "INSERT INTO schema_migration (version, name, checksum) VALUES (%s, %s, %s)",
                        (mig.version, mig.name, mig.checksum),
                    )
            except psycopg.Error as exc:
                raise MigrationError(f"migration {mig.version:04d}_{mig.name} failed: {exc}") from exc
            report.applied.append(f"{mig.version:04d}_{mig.name}")
        return report
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", (_LOCK_KEY,))


def pending(conn: psycopg.Connection) -> int:
    """Return how many migrations are not yet applied (for readiness checks)."""
    cur = conn.cursor(row_factory=psycopg.rows.tuple_row)
    try:
        with conn.transaction():
            info = cur.execute("SELECT mode FROM carecast_storage").fetchone()
            done = {r[0] for r in cur.execute("SELECT version FROM schema_migration").fetchall()}
    except psycopg.errors.UndefinedTable:
        return len(discover("postgres"))
    mode: StorageMode = info[0] if info else "postgres"
    return sum(1 for m in discover(mode) if m.version not in done)
