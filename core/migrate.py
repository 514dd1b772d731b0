"""Forward-only SQL migrations with an advisory lock and a ``schema_migration`` table.

Files are ``core/migrations/NNNN_what.sql`` (every engine), ``NNNN_what.timescale.sql`` (TimescaleDB only) and
``NNNN_what.postgres.sql`` (plain PostgreSQL fallback). The storage mode is decided once, at the first
migration, and recorded in ``carecast_storage``; later runs use the recorded mode.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources

import psycopg
import psycopg.rows
import structlog

from core.db import StorageInfo, StorageMode
from core.errors import MigrationError

_LOCK_KEY = 0x43415245  # 'CARE'
PRELOAD_FIX = "add timescaledb to shared_preload_libraries in postgresql.conf and restart PostgreSQL"

Reconnect = Callable[[], psycopg.Connection]
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


def _one_line(exc: psycopg.Error) -> str:
    """The server's message and detail on one line (the CLI prints a MigrationError as one line)."""
    parts = [exc.diag.message_primary or str(exc).strip().splitlines()[0], exc.diag.message_detail]
    if "must be preloaded" in (exc.diag.message_primary or ""):
        parts.append(f"fix: {PRELOAD_FIX}")
    return "; ".join(" ".join(part.split()) for part in parts if part)


class _ConnectionLost(Exception):
    """CREATE EXTENSION ended the session: TimescaleDB's loader answers FATAL when it is not preloaded."""


def _preloaded(conn: psycopg.Connection) -> bool | None:
    """Return whether the server preloads TimescaleDB's library; None when this role may not read the setting."""
    try:
        with conn.transaction():
            libraries = _scalar(conn, "SHOW shared_preload_libraries") or ""
            bypass = _scalar(
                conn, "SELECT current_setting('timescaledb.allow_install_without_preload', true)"
            )
    except psycopg.errors.InsufficientPrivilege:  # needs superuser or pg_read_all_settings
        return None
    names = {entry.strip().strip('"').rsplit("/", 1)[-1] for entry in libraries.split(",")}
    return "timescaledb" in names or bypass == "on"


def _unusable(
    want: str, log: structlog.stdlib.BoundLogger, *, reason: str, fix: str, cause: Exception | None = None
) -> StorageInfo:
    """Refuse (`on`) or warn once and choose plain PostgreSQL (`auto`) when TimescaleDB is there but unusable."""
    if want == "on":
        raise MigrationError(f"timescale=on but TimescaleDB cannot be used: {reason}; fix: {fix}") from cause
    log.warning("migrate.timescale_unusable", mode="postgres", reason=reason, fix=fix)
    return StorageInfo("postgres", None, None)


def _create_extension(
    conn: psycopg.Connection, want: str, log: structlog.stdlib.BoundLogger
) -> StorageInfo | None:
    """CREATE EXTENSION timescaledb; return None when it exists now, else the fallback (or raise)."""
    if _preloaded(conn) is False:
        return _unusable(want, log, reason="timescaledb is not in shared_preload_libraries", fix=PRELOAD_FIX)
    try:
        with conn.transaction():
            conn.execute("CREATE EXTENSION IF NOT EXISTS timescaledb")
    except psycopg.Error as exc:
        message = exc.diag.message_primary or str(exc).splitlines()[0]
        if "must be preloaded" in message:
            if conn.closed and want != "on":
                raise _ConnectionLost(message) from exc  # migrate() warns and goes on with a new connection
            return _unusable(want, log, reason=f"the server says: {message}", fix=PRELOAD_FIX, cause=exc)
        if conn.closed:
            raise MigrationError(
                f"the connection closed while creating the timescaledb extension: {message}"
            ) from exc
        fix = (
            "create it as a superuser (CREATE EXTENSION timescaledb) or set CARECAST_DATABASE__TIMESCALE=off"
        )
        return _unusable(
            want, log, reason=f"CREATE EXTENSION timescaledb failed: {message}", fix=fix, cause=exc
        )
    return None


def _decide_mode(conn: psycopg.Connection, want: str, log: structlog.stdlib.BoundLogger) -> StorageInfo:
    """Create the TimescaleDB extension where wanted and possible; return the mode to build the schema in."""
    if want == "off":
        return StorageInfo("postgres", None, None)
    if _scalar(conn, "SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'") is None:
        if not conn.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'").fetchone():
            if want == "on":
                raise MigrationError(
                    "timescale=on but the timescaledb extension is not available on this server; install"
                    " TimescaleDB or set CARECAST_DATABASE__TIMESCALE=auto"
                )
            return StorageInfo("postgres", None, None)
        fallback = _create_extension(conn, want, log)
        if fallback is not None:
            return fallback
    version = _scalar(conn, "SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'")
    license_ = _scalar(conn, "SELECT current_setting('timescaledb.license', true)")
    if license_ == "apache":
        # Compression, retention policies and continuous aggregates need the community edition.
        if want == "on":
            raise MigrationError("timescaledb.license=apache lacks compression and continuous aggregates")
        log.warning(
            "migrate.timescale_unusable",
            mode="postgres",
            reason="timescaledb.license=apache lacks compression and continuous aggregates",
            fix="install the community edition (timescaledb.license = 'timescale')",
        )
        return StorageInfo("postgres", version, license_)
    return StorageInfo("timescale", version, license_)


def migrate(
    conn: psycopg.Connection,
    *,
    timescale: str = "auto",
    reconnect: Reconnect | None = None,
    log: structlog.stdlib.BoundLogger | None = None,
) -> MigrationReport:
    """Apply pending migrations under an advisory lock; re-running is a no-op. `conn` must be in autocommit.

    TimescaleDB installed but not preloaded is refused by `on` and means plain PostgreSQL in `auto`, with one
    warning naming the fix. Where finding that out took `conn` down (the loader's FATAL to CREATE EXTENSION, seen
    when this role may not read ``shared_preload_libraries``), `auto` goes on with a connection from `reconnect`
    (same database and session settings as `conn`, autocommit; closed here), or raises without one.
    """
    log = log or structlog.get_logger(process="migrate")
    _require_autocommit(conn)
    try:
        return _migrate_locked(conn, want=timescale, log=log)
    except _ConnectionLost as lost:
        if reconnect is None:
            raise MigrationError(
                f"TimescaleDB is not preloaded ({lost}) and the server closed the connection; fix: {PRELOAD_FIX}"
            ) from lost
        _unusable(timescale, log, reason=f"the server says: {lost}", fix=PRELOAD_FIX)
    with reconnect() as fresh:
        _require_autocommit(fresh)
        return _migrate_locked(fresh, want="off", log=log)


def _require_autocommit(conn: psycopg.Connection) -> None:
    if not conn.autocommit:
        raise MigrationError(
            "migrate() needs an autocommit connection (each migration is its own transaction)"
        )


def _migrate_locked(
    conn: psycopg.Connection, *, want: str, log: structlog.stdlib.BoundLogger
) -> MigrationReport:
    """Decide the mode if undecided and apply what is pending, under the advisory lock."""
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
            storage = _decide_mode(conn, want, log)
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
                raise MigrationError(
                    f"migration {mig.version:04d}_{mig.name} failed: {_one_line(exc)}"
                ) from exc
            report.applied.append(f"{mig.version:04d}_{mig.name}")
        return report
    finally:
        # The lock is the session's: a connection the server closed (a FATAL) holds nothing any more, and unlocking
        # there would replace the error being raised with "the connection is closed".
        if not conn.closed:
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
