"""Shared by the page tests: Debian's chromium and its flags, a real API server per test, future slots.

A plain module (no module-level skip), so test modules can import these names whether or not the browser tests
themselves run (under pytest-xdist a skipped test module must never be the one others import from)."""

from __future__ import annotations

import pytest

from tests.api_server import serve_api

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def api_url(database, tmp_path):
    """A real `python -m api` on a free port for this test's database; stopped afterwards."""
    env = {"CARECAST_API__COOKIE_SECURE": "false", "CARECAST_LOG__LEVEL": "WARNING"}
    with serve_api(database.url, log=tmp_path / "api.log", env=env) as api:
        yield api.url


@pytest.fixture
def future_slots(conn, world):
    """Move every slot of the world two days ahead of now (one hour apart per booking, so none overlap)."""
    conn.execute(
        "UPDATE booking_suggestion SET slot_start = now() + interval '2 days' + id * interval '1 hour', "
        "slot_end = now() + interval '2 days' + id * interval '1 hour' + interval '50 minutes'"
    )
