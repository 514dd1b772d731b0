"""Every named SQL file is checked against the migrated schema: PostgreSQL parses and plans each statement
(PREPARE), so a renamed or dropped column, a wrong table or a type mismatch in any query fails here, not in
production. Statements PREPARE cannot take (COPY, DDL, LISTEN, CALL) are listed and skipped explicitly."""

from __future__ import annotations

import importlib
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from core.db import SqlFile, connect, query
from core.settings import DatabaseSettings
from core.signals import TELEMETRY_COLUMNS
from ingest.sql import CREATE_STAGING
from tests.conftest import _admin as admin
from tests.conftest import _db_url as db_url

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted(p for p in ROOT.glob("*/sql/*.sql"))
# Not preparable: bulk load, DDL, notifications and procedure calls (each is run by its own tests).
NOT_PREPARABLE = {
    "api/sql/feed_listen.sql",
    "core/sql/refresh_daily.timescale.sql",
    "core/sql/retention_policy.timescale.sql",  # TimescaleDB's catalog and functions (tests/timescale)
    "core/sql/retention_telemetry.timescale.sql",
    "ingest/sql/copy_staging.sql",
    "ingest/sql/copy_telemetry.sql",
    "ingest/sql/create_staging.sql",
}
# Parameters whose type PostgreSQL cannot infer from the statement alone (psycopg sends them typed).
TYPED = {"now": "timestamptz", "since": "timestamptz", "start": "timestamptz", "end": "timestamptz"}


def _prepared(text: str) -> tuple[str, list[str]]:
    """Return the statement with psycopg's %(name)s placeholders as $n, and the declared types."""
    names: dict[str, int] = {}

    def number(match: re.Match[str]) -> str:
        names.setdefault(match.group(1), len(names) + 1)
        return f"${names[match.group(1)]}"

    body = re.sub(r"%\((\w+)\)s", number, text).replace("{columns}", ", ".join(TELEMETRY_COLUMNS))
    return body.replace("%%", "%"), [TYPED.get(name, "unknown") for name in names]


@pytest.fixture(scope="module")
def schema(template_db: str) -> Iterator[psycopg.Connection]:
    """One connection to a migrated database for the whole module (nothing here writes)."""
    name = f"carecast_sql_{uuid.uuid4().hex[:8]}"
    admin(f'CREATE DATABASE "{name}" TEMPLATE "{template_db}"')
    try:
        with connect(DatabaseSettings(url=db_url(name)), autocommit=True) as conn:
            conn.execute(query(CREATE_STAGING))  # the temp table insert_telemetry reads
            yield conn
    finally:
        admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_sql_file_plans_against_the_schema(schema: psycopg.Connection, path: Path):
    name = str(path.relative_to(ROOT))
    if name in NOT_PREPARABLE:
        pytest.skip("not a preparable statement (run by its own tests)")
    body, types = _prepared(path.read_text("utf-8"))
    conn = schema
    with conn.transaction():
        conn.execute(
            f"PREPARE checked ({', '.join(types)}) AS {body}" if types else f"PREPARE checked AS {body}"
        )
        conn.execute("DEALLOCATE checked")


def test_the_not_preparable_list_names_existing_files():
    assert {str(p.relative_to(ROOT)) for p in FILES} >= NOT_PREPARABLE


def test_the_telemetry_table_matches_the_copy_column_catalog(schema: psycopg.Connection):
    """core/signals.TELEMETRY_COLUMNS is the COPY's column list: the table's columns without a default (the ones
    ingest must write) match it column for column; the defaulted ones (received_at) are the database's."""
    rows = schema.execute(
        "SELECT attname, atthasdef FROM pg_attribute WHERE attrelid = 'telemetry'::regclass AND attnum > 0"
        " AND NOT attisdropped ORDER BY attnum"
    ).fetchall()
    assert tuple(name for name, defaulted in rows if not defaulted) == TELEMETRY_COLUMNS
    assert [name for name, defaulted in rows if defaulted] == ["received_at"]


def _constants(package: str) -> dict[str, SqlFile]:
    module = importlib.import_module(f"{package}.sql")
    return {name: value for name, value in vars(module).items() if isinstance(value, SqlFile)}


@pytest.mark.parametrize("package", sorted({p.parts[-3] for p in FILES}))
def test_each_sql_file_has_one_constant_named_after_it(package: str):
    """`{package}/sql/__init__.py` names every file of its folder once, as NAME = SqlFile(package, "name")."""
    constants = _constants(package)
    assert {c.name for c in constants.values()} == {p.stem for p in FILES if p.parts[-3] == package}
    for name, sql in constants.items():
        assert (sql.package, name) == (package, re.sub(r"\W", "_", sql.name).upper())


def test_every_sql_file_is_used_through_its_constant():
    """No dead SQL, and every caller is found by the constant: each one is named in the Python source outside
    the sql packages, and no code builds a statement's name from strings."""
    sources = "\n".join(
        p.read_text("utf-8")
        for pkg in ("api", "core", "detection", "ingest", "notify", "simulators", "bench")
        for p in (ROOT / pkg).rglob("*.py")
        if p.parent.name != "sql"
    )
    unused = [
        f"{package}.sql.{name}"
        for package in sorted({p.parts[-3] for p in FILES})
        for name in _constants(package)
        if not re.search(rf"\b{name}\b", sources)
    ]
    assert not unused, f"SQL constants no code uses: {unused}"
