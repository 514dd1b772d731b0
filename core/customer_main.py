"""``carecast customer``: a person's data rights from the command line: export everything held on them, erase
their personal data (core/privacy.py, docs/privacy.md). The document goes to stdout or --out, everything else to
stderr."""

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
from core.privacy import erase_person, export_person
from core.settings import BaseProcessSettings


class CustomerSettings(BaseProcessSettings):
    """Settings of ``carecast customer``: the database and logging groups only."""


@click.group(name="customer", context_settings=CONTEXT_SETTINGS)
def command() -> None:
    """Export or erase the personal data of one customer.

    REF is the dealer's customer reference. export prints one JSON document (format carecast.personal-data/1)
    with everything held on the person; erase removes their name, contacts, consent, message texts, survey
    comments and owner tokens and pseudonymises the VINs of the vehicles they own, keeping the anonymous
    telemetry statistics. Both are safe to repeat. docs/privacy.md has the details.
    """


def _settings(ctx: click.Context) -> CustomerSettings:
    return ctx.find_object(CustomerSettings) or CustomerSettings()


@command.command(name="export")
@click.argument("ref")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write the document to FILE.")
@click.pass_context
def export_command(ctx: click.Context, ref: str, out: Path | None) -> int:
    """Print everything held on the customer REF as one JSON document."""
    settings = _settings(ctx)
    log = configure_logging(settings.log, process="customer")
    with connect(settings.database, autocommit=True) as conn:
        document = export_person(conn, ref=ref, now=datetime.now(UTC))
    text = document.model_dump_json(indent=2)
    if out is None:
        print(text)
    else:
        out.write_text(text + "\n", encoding="utf-8")
        out.chmod(0o600)  # personal data: readable by its owner only
    log.info(
        "privacy.exported",
        ref=ref,
        vehicles=len(document.vehicles),
        risks=len(document.risks),
        messages=len(document.messages),
        out=str(out) if out else "-",
    )
    return 0


@command.command(name="erase")
@click.argument("ref")
@click.option("--yes", is_flag=True, help="Confirm: the erasure cannot be undone.")
@click.pass_context
def erase_command(ctx: click.Context, ref: str, yes: bool) -> int:
    """Erase the personal data of the customer REF; the statistics stay."""
    if not yes:
        raise InvalidInput("erasing personal data cannot be undone; add --yes to confirm")
    settings = _settings(ctx)
    log = configure_logging(settings.log, process="customer")
    with connect(settings.database, autocommit=True) as conn:
        report = erase_person(conn, ref=ref, now=datetime.now(UTC))
    log.info("privacy.erased", **report.model_dump(mode="json"))
    print(report.model_dump_json())
    return 0


def main(argv: Sequence[str] | None = None, *, settings: CustomerSettings | None = None) -> int:
    """Run one customer command; return the exit status."""
    return run_command(command, argv, obj=settings)


if __name__ == "__main__":
    sys.exit(main())
