"""Readiness checks: database reachable, migrations applied, storage mode known, broker accepting TCP."""

from __future__ import annotations

import socket

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

from api.schemas.health import Check, Readiness, ReadinessChecks
from api.sql import STATEMENT_TIMEOUT
from core.db import query, storage_info
from core.migrate import pending
from core.settings import MqttSettings

_NOT_CHECKED = Check(ok=False, detail="not checked: database unavailable")


def check_database(pool: ConnectionPool, *, timeout_s: float) -> tuple[Check, Check, Check]:
    """Return the database, migrations and storage checks, run on one pooled connection."""
    try:
        with pool.connection(timeout=timeout_s) as conn:
            # A hung server must not hang the probe: bound the statements as well as the wait for a connection.
            conn.execute(query(STATEMENT_TIMEOUT), {"timeout": f"{int(timeout_s * 1000)}ms"})
            database = Check(ok=True, detail="reachable")
            missing = pending(conn)
            migrations = Check(ok=missing == 0, detail=f"{missing} pending" if missing else "up to date")
            try:
                with conn.transaction():
                    info = storage_info(conn)
            except (LookupError, psycopg.errors.UndefinedTable):
                return (
                    database,
                    migrations,
                    Check(ok=False, detail="storage mode not recorded: run `carecast migrate`"),
                )
            version = (
                f" (timescaledb {info.timescale_version}, license {info.timescale_license})"
                if info.timescale_version
                else ""
            )
            return database, migrations, Check(ok=True, detail=f"{info.mode}{version}")
    except (PoolTimeout, psycopg.Error) as exc:
        reason = "no connection within the timeout" if isinstance(exc, PoolTimeout) else type(exc).__name__
        return Check(ok=False, detail=f"unreachable: {reason}"), _NOT_CHECKED, _NOT_CHECKED


def check_broker(mqtt: MqttSettings, *, timeout_s: float) -> Check:
    """Return whether the MQTT broker accepts a TCP connection within the timeout."""
    try:
        with socket.create_connection((mqtt.host, mqtt.port), timeout=timeout_s):
            return Check(ok=True, detail=f"{mqtt.host}:{mqtt.port} reachable")
    except OSError as exc:
        return Check(
            ok=False, detail=f"{mqtt.host}:{mqtt.port} unreachable: {exc.strerror or type(exc).__name__}"
        )


def readiness(pool: ConnectionPool, mqtt: MqttSettings, *, timeout_s: float) -> Readiness:
    """Return every check and the overall verdict."""
    database, migrations, storage = check_database(pool, timeout_s=timeout_s)
    checks = ReadinessChecks(
        database=database,
        migrations=migrations,
        storage=storage,
        broker=check_broker(mqtt, timeout_s=timeout_s),
    )
    ready = all(c.ok for c in (checks.database, checks.migrations, checks.storage, checks.broker))
    return Readiness(status="ready" if ready else "not_ready", checks=checks)
