"""The failures a command is expected to meet, each as one line that says what to do.

`explain` turns an exception that reached a command's boundary into that line: PostgreSQL unreachable or missing,
a setting that does not parse, the broker unreachable, any `CarecastError` (raised on purpose, its message already
written for the operator). Anything else is a bug: one line naming it and how to see the traceback.
"""

from __future__ import annotations

import click
import psycopg
from psycopg.conninfo import conninfo_to_dict
from pydantic import ValidationError
from pydantic_settings import SettingsError

from core.errors import CarecastError

DEBUG_HINT = "rerun with --debug (or CARECAST_DEBUG=1) for the traceback"
# Values of settings with these words in their name are never echoed back.
_SECRET_WORDS = ("SECRET", "PASSWORD", "TOKEN", "KEY")


class BrokerUnreachable(CarecastError):
    """The MQTT broker did not accept a TCP connection."""

    def __init__(self, host: str, port: int, reason: str) -> None:
        super().__init__(
            f"cannot reach the MQTT broker at {host}:{port} ({reason}); is it running? "
            "set CARECAST_MQTT__HOST and CARECAST_MQTT__PORT"
        )


class InvalidInput(click.ClickException):
    """Arguments or settings the command cannot run with, found after parsing: exit status 2, like a bad option,
    but one line without the usage text."""

    exit_code = 2


def explain(exc: BaseException) -> str:
    """Return the one line (without the command prefix) that tells the operator what failed and what to do."""
    if isinstance(exc, CarecastError):
        return _first_line(exc)  # further lines (a log tail) are for --debug
    if isinstance(exc, ValidationError):
        return _invalid_settings(exc)
    if isinstance(exc, SettingsError):
        return f"invalid setting: {_first_line(exc)}; fix it in the environment or .env (see .env.example)"
    if isinstance(exc, psycopg.OperationalError) and exc.sqlstate is None:
        return _database_unreachable(exc)
    if isinstance(exc, psycopg.errors.UndefinedTable):
        return f"{_first_line(exc)}: is the database migrated? run `carecast migrate`"
    if isinstance(exc, psycopg.Error):
        state = f" (SQLSTATE {exc.sqlstate})" if exc.sqlstate else ""
        return f"database error{state}: {_first_line(exc)}; {DEBUG_HINT}"
    return f"unexpected {type(exc).__name__}: {_first_line(exc)}; {DEBUG_HINT}"


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__


def _invalid_settings(exc: ValidationError) -> str:
    """One clause per bad variable: its name, the value (unless secret) and pydantic's complaint."""
    if not exc.title.endswith("Settings"):
        return f"invalid {exc.title}: {_first_line(exc)}; {DEBUG_HINT}"
    clauses = []
    for error in exc.errors():
        name = "CARECAST_" + "__".join(str(part) for part in error["loc"]).upper() if error["loc"] else ""
        value = error.get("input")
        shown = (
            f"={value!r}"
            if isinstance(value, str | int | float) and name and not any(w in name for w in _SECRET_WORDS)
            else ""
        )
        clauses.append(f"{name or 'settings'}{shown}: {error['msg']}")
    return f"invalid setting {'; '.join(clauses)}; fix it in the environment or .env (see .env.example)"


def _database_unreachable(exc: psycopg.OperationalError) -> str:
    """Where PostgreSQL was looked for and why it did not answer, from the failed connection or the settings."""
    host, port, dbname, user = _configured_database()
    pgconn = exc.pgconn
    if pgconn is not None and pgconn.host:
        host, port = pgconn.host.decode(), pgconn.port.decode() or "5432"
        dbname, user = pgconn.db.decode(), pgconn.user.decode()
    where = f"{host}:{port}"
    # libpq: 'connection to server at "h", port p failed: FATAL:  database "x" does not exist'
    reason = _first_line(exc).rpartition(" failed: ")[2].removeprefix("FATAL:").strip()
    if "does not exist" in reason and "database" in reason:
        return (
            f'PostgreSQL at {where} has no database "{dbname}"; create it (createdb -h {host} -p {port} -U {user} '
            f"{dbname}) or point CARECAST_DATABASE__URL at another"
        )
    if "password" in reason or "authentication" in reason:
        return (
            f'PostgreSQL at {where} refused user "{user}" ({reason}); set PGPASSWORD or ~/.pgpass, or the user '
            "in CARECAST_DATABASE__URL"
        )
    return f"cannot reach PostgreSQL at {where} ({reason}); is it running? set CARECAST_DATABASE__URL"


def _configured_database() -> tuple[str, str, str, str]:
    """Return (host, port, database, user) from the settings, for errors that do not carry them (pool timeouts)."""
    from core.settings import BaseProcessSettings, DatabaseSettings

    try:
        url = BaseProcessSettings().database.url
    except (ValidationError, SettingsError):
        url = DatabaseSettings().url
    try:
        info = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "(unparsable CARECAST_DATABASE__URL)", "?", "?", "?"
    return (str(info.get("host", "localhost")), str(info.get("port", 5432)), str(info.get("dbname", "?")),
            str(info.get("user", "?")))  # fmt: skip
