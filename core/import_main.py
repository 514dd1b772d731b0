"""``carecast import ENTITY FILE``: load a dealer network's master data (or service visits) from CSV or JSON Lines.

The engine is core/masterdata/engine.py; this module is the command line around it: settings, the file, the
report on stdout (bad rows on stderr, or everything as JSON with ``--json``) and the exit status.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import click

from core.cli import CONTEXT_SETTINGS, run_command
from core.cli_errors import InvalidInput
from core.db import connect
from core.log import configure_logging
from core.masterdata.engine import ImportOptions, ImportSource, import_file
from core.masterdata.readers import FileFormat, format_of
from core.masterdata.report import ImportReport
from core.progress import progress
from core.settings import ImportSettings
from domain.masterdata import ENTITIES, EntityName

# Exit status when the file has bad rows and nothing was written (a usage error is 2).
EXIT_BAD_ROWS = 1


@click.command(name="import", context_settings=CONTEXT_SETTINGS)
@click.argument("entity", type=click.Choice([str(e) for e in EntityName]), metavar="ENTITY")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice([str(f) for f in FileFormat]),
              help="File format.  [default: from the extension: .csv, .jsonl or .ndjson]")  # fmt: skip
@click.option(
    "--dry-run", is_flag=True, help="Count what would be created, updated and unchanged; write nothing."
)
@click.option("--skip-bad", is_flag=True, help="Write the good rows of a file that has bad ones (listed).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object on stdout.")
@click.pass_context
def command(
    ctx: click.Context, entity: str, file: Path, fmt: str | None, dry_run: bool, skip_bad: bool, as_json: bool
) -> int:
    """Import master data or service visits from a CSV or JSON Lines file.

    ENTITY is one of centers, calendar, advisors, technicians, parts, stock, customers, vehicles, visits (import
    them in this order: a row may only reference rows already imported). Rows are matched by their natural key
    (center code, employee number, SKU, customer reference, VIN), so importing a file twice changes nothing.
    The file is one transaction: by default a file with any bad row writes nothing and exits with status 1,
    listing each bad row as FILE:LINE: FIELD: REASON on stderr. docs/import.md describes every column.
    """
    settings = ctx.find_object(ImportSettings) or ImportSettings()
    file_format = FileFormat(fmt) if fmt else format_of(file.name)
    if file_format is None:
        raise InvalidInput(
            f"cannot tell the format of {file.name} from its extension; pass --format csv or jsonl"
        )
    log = configure_logging(settings.log, process="import")
    options = ImportOptions(dry_run=dry_run, skip_bad=skip_bad)
    with connect(settings.database) as conn, file.open("rb") as stream, progress() as bar:
        source = ImportSource(str(file), stream, file.stat().st_size, file_format)
        report = import_file(
            conn, entity=ENTITIES[EntityName(entity)], source=source, options=options,
            settings=settings.masterdata, now=datetime.now(UTC), log=log, progress=bar,
        )  # fmt: skip
    log.info(
        "import.done", entity=entity, file=str(file), rows=report.rows, bad_rows=report.bad_rows,
        created=report.created, updated=report.updated, unchanged=report.unchanged, written=report.written,
        dry_run=dry_run,
    )  # fmt: skip
    _print(report, as_json=as_json)
    return EXIT_BAD_ROWS if report.bad_rows and not report.written and not (dry_run and skip_bad) else 0


def _print(report: ImportReport, *, as_json: bool) -> None:
    if as_json:
        click.echo(report.model_dump_json())
        return
    click.echo(report.summary())
    for kind, keys in (("created", report.examples.created), ("updated", report.examples.updated)):
        if keys:
            click.echo(f"  {kind}: {', '.join(keys)}{' …' if len(keys) < _count(report, kind) else ''}")
    for line in report.problems():
        click.echo(line, err=True)
    if report.unlisted_errors:
        click.echo(
            f"… and {report.unlisted_errors} more problems (CARECAST_MASTERDATA__MAX_ERRORS)", err=True
        )
    if report.bad_rows and not report.written and not report.dry_run:
        hint = "fix them and import again, or pass --skip-bad to write the good rows"
        click.echo(f"{report.file}: {report.bad_rows} bad rows, nothing written; {hint}", err=True)


def _count(report: ImportReport, kind: str) -> int:
    return report.created if kind == "created" else report.updated


def main(argv: Sequence[str] | None = None, *, settings: ImportSettings | None = None) -> int:
    """Run ``carecast import``; return the exit status."""
    return run_command(command, argv, obj=settings)


if __name__ == "__main__":
    sys.exit(main())
