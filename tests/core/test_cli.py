"""The `carecast` entry point dispatches to each stage's module."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

import pytest

from core.cli import STAGES


def _carecast(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "core.cli", *args], capture_output=True, text=True, env=env, timeout=60
    )


@pytest.mark.parametrize("command", sorted(STAGES))
def test_every_command_points_at_a_runnable_module(command):
    assert importlib.util.find_spec(STAGES[command]) is not None, (
        f"carecast {command}: no module {STAGES[command]}"
    )


def test_help_and_unknown_command():
    ok = _carecast("--help")
    assert ok.returncode == 0 and "migrate" in ok.stdout
    bad = _carecast("frobnicate")
    assert bad.returncode == 2 and "unknown command" in bad.stderr


def test_migrate_through_the_entry_point(empty_database):
    done = _carecast("migrate", env={**os.environ, "CARECAST_DATABASE__URL": empty_database.url,
                                     "CARECAST_LOG__FORMAT": "json"})  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert '"mode": "postgres"' in done.stderr and '"event": "migrate.done"' in done.stderr
