"""The suite's database pool (tests/db_pool.py) on the real PostgreSQL: every clone is fresh and dropped, and a
clone that cannot be made fails the test that takes it instead of hanging it."""

from __future__ import annotations

import uuid

import psycopg
import pytest

from tests.conftest import ADMIN_URL, _admin
from tests.db_pool import DatabasePool


def _names(prefix: str) -> set[str]:
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT datname FROM pg_database WHERE left(datname, %s) = %s", (len(prefix), prefix)
        )
        return {name for (name,) in rows.fetchall()}


def test_each_take_is_a_fresh_clone_of_the_template_and_all_are_dropped():
    template, prefix = f"pool_tmpl_{uuid.uuid4().hex[:6]}", f"pool_{uuid.uuid4().hex[:6]}_"
    _admin(f'CREATE DATABASE "{template}"')
    with psycopg.connect(ADMIN_URL.rsplit("/", 1)[0] + "/" + template, autocommit=True) as conn:
        conn.execute("CREATE TABLE marker (n int); INSERT INTO marker VALUES (1)")
    try:
        pool = DatabasePool(_admin, template=template, prefix=prefix, ahead=2)
        taken = [pool.take() for _ in range(3)]
        assert len(set(taken)) == 3 and all(name.startswith(prefix) for name in taken)
        with psycopg.connect(ADMIN_URL.rsplit("/", 1)[0] + "/" + taken[0], autocommit=True) as conn:
            assert conn.execute("SELECT n FROM marker").fetchall() == [(1,)]  # the template's contents
        for name in taken:
            pool.give_back(name)
        pool.close()
        assert _names(prefix) == set()  # the used ones and the ones made ahead
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')


def test_a_clone_that_cannot_be_made_fails_the_test_that_takes_it():
    prefix = f"pool_{uuid.uuid4().hex[:6]}_"
    pool = DatabasePool(_admin, template="no_such_template", prefix=prefix, ahead=1)
    try:
        with pytest.raises(psycopg.errors.InvalidCatalogName, match="no_such_template"):
            pool.take(timeout=30)
    finally:
        pool.close()
    assert _names(prefix) == set()
