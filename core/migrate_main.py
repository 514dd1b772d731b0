"""``carecast migrate``: apply pending migrations and print the storage mode."""

from __future__ import annotations

import sys
from collections.abc import Sequence

import click

from core.cli import CONTEXT_SETTINGS, run_command
from core.db import connect
from core.log import configure_logging
from core.migrate import migrate
from core.settings import MigrateSettings


@click.command(name="migrate", context_settings=CONTEXT_SETTINGS)
def command() -> None:
    """Apply pending database migrations and print the storage mode.

    Forward-only and safe to re-run: applied migrations are recorded in the database, and an advisory lock keeps
    two runs from overlapping. CARECAST_DATABASE__TIMESCALE (auto, on, off) chooses TimescaleDB at the first run.
    """
    settings = MigrateSettings()
    log = configure_logging(settings.log, process="migrate")
    # A MigrationError (TimescaleDB wanted but not preloaded, an edited migration …) reaches run_command's boundary,
    # which prints it as one line with exit status 1.
    with connect(settings.database, autocommit=True) as conn:
        report = migrate(
            conn,
            timescale=settings.database.timescale,
            # TimescaleDB's FATAL to CREATE EXTENSION closes `conn`: `auto` goes on in plain PostgreSQL on a new one.
            reconnect=lambda: connect(settings.database, autocommit=True),
            log=log,
        )
    log.info(
        "migrate.done",
        mode=report.storage.mode,
        timescale_version=report.storage.timescale_version,
        timescale_license=report.storage.timescale_license,
        applied=len(report.applied),
        skipped=report.skipped,
        migrations=",".join(report.applied) or "-",
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``carecast migrate``; return the exit status."""
    return run_command(command, argv)


if __name__ == "__main__":
    sys.exit(main())
