"""Shared fixtures: a migrated PostgreSQL database per test (cloned from a per-run template ahead of the test by
tests/db_pool.py, dropped behind it) and a private Mosquitto broker with a per-run topic prefix. Everything talks to
real servers; nothing is mocked."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from core.db import connect
from core.migrate import migrate
from core.settings import DatabaseSettings, MqttSettings
from tests.db_pool import DatabasePool

ROOT = Path(__file__).resolve().parent.parent
RUN_ID = uuid.uuid4().hex[:8]
ADMIN_URL = os.environ.get("CARECAST_TEST_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def _db_url(name: str) -> str:
    return ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def _admin(sql: str) -> None:
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(sql)


def free_port() -> int:
    """Return a TCP port that was free a moment ago on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, *, timeout: float = 20.0, interval: float = 0.05, what: str = "condition"):
    """Poll `predicate` until it returns a truthy value; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


@pytest.fixture(scope="session")
def template_db() -> Iterator[str]:
    """A database migrated once per run (plain PostgreSQL mode), used as the template for per-test databases."""
    name = f"carecast_tmpl_{RUN_ID}"
    _admin(f'CREATE DATABASE "{name}"')
    try:
        with connect(DatabaseSettings(url=_db_url(name)), autocommit=True) as conn:
            migrate(conn, timescale="off")
        yield name
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def database_pool(template_db: str) -> Iterator[DatabasePool]:
    """This process's clones of the template, made ahead and dropped behind (tests/db_pool.py)."""
    prefix = f"carecast_t_{RUN_ID}_"
    pool = DatabasePool(_admin, template=template_db, prefix=prefix)
    try:
        yield pool
    finally:
        pool.close()
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:  # any clone a failed drop left behind
            left = "SELECT datname FROM pg_database WHERE left(datname, %s) = %s"
            for (name,) in conn.execute(left, (len(prefix), prefix)).fetchall():
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def database(database_pool: DatabasePool) -> Iterator[DatabaseSettings]:
    """A fresh, migrated database for one test; dropped afterwards."""
    name = database_pool.take()
    try:
        yield DatabaseSettings(url=_db_url(name), timescale="off")
    finally:
        database_pool.give_back(name)


@pytest.fixture
def empty_database() -> Iterator[DatabaseSettings]:
    """A fresh database with no schema at all (for migration tests)."""
    name = f"carecast_e_{RUN_ID}_{uuid.uuid4().hex[:6]}"
    _admin(f'CREATE DATABASE "{name}"')
    try:
        yield DatabaseSettings(url=_db_url(name), timescale="off")
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def conn(database: DatabaseSettings) -> Iterator[psycopg.Connection]:
    """An autocommit connection to this test's database."""
    with connect(database, autocommit=True) as c:
        yield c


def _mosquitto_binary() -> str:
    found = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    if not Path(found).exists():
        pytest.fail("mosquitto is not installed (apt-get install mosquitto)")
    return found


def start_mosquitto(config_template: Path, workdir: Path) -> tuple[subprocess.Popen, int]:
    """Start a private Mosquitto from a config template (@PORT@, @DIR@) on a free port; return (process, port)."""
    port = free_port()
    workdir.mkdir(parents=True, exist_ok=True)
    conf = workdir / "mosquitto.conf"
    conf.write_text(config_template.read_text().replace("@PORT@", str(port)).replace("@DIR@", str(workdir)))
    with open(workdir / "log", "wb") as log:  # the child keeps its own copy of the descriptor
        proc = subprocess.Popen([_mosquitto_binary(), "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=log)

    def listening() -> bool:
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", port)) == 0

    wait_for(listening, timeout=10, what=f"mosquitto on port {port}")
    return proc, port


@pytest.fixture(scope="session")
def broker_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """A private, tuned Mosquitto for this test run."""
    proc, port = start_mosquitto(ROOT / "tests" / "mosquitto.conf", tmp_path_factory.mktemp("mosquitto"))
    try:
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def mqtt(broker_port: int) -> MqttSettings:
    """MQTT settings pointing at the private broker, with a topic prefix unique to this test."""
    return MqttSettings(
        host="127.0.0.1", port=broker_port, topic_root=f"t{RUN_ID}{uuid.uuid4().hex[:6]}/dt/carecast"
    )
