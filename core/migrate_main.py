"""``carecast migrate``: apply pending migrations and print the storage mode."""

from __future__ import annotations

import argparse

from core.db import connect
from core.log import configure_logging
from core.migrate import migrate
from core.settings import MigrateSettings


def main() -> None:
    parser = argparse.ArgumentParser(prog="carecast migrate", description=__doc__)
    parser.parse_args()
    settings = MigrateSettings()
    log = configure_logging(settings.log, process="migrate")
    with connect(settings.database, autocommit=True) as conn:
        report = migrate(conn, timescale=settings.database.timescale)
    log.info(
        "migrate.done",
        mode=report.storage.mode,
        timescale_version=report.storage.timescale_version,
        timescale_license=report.storage.timescale_license,
        applied=len(report.applied),
        skipped=report.skipped,
        migrations=",".join(report.applied) or "-",
    )


if __name__ == "__main__":
    main()
