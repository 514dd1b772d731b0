"""``carecast vehicles``: broker credentials for vehicles (provision, rotate, revoke, deprovision, list) and the
service accounts of a freshly initialised broker (setup-broker). docs/provisioning.md.

A new password is written once: to the credentials file (created 0600, never overwritten) or to stdout; everything
else goes to stderr.
"""

from __future__ import annotations

import csv
import os
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, datetime
from typing import IO

import click
import orjson
import psycopg
from pydantic import Field

from core.cli import CONTEXT_SETTINGS, run_command
from core.cli_errors import InvalidInput
from core.db import connect
from core.log import configure_logging
from core.provisioning import Provisioner
from core.settings import BaseProcessSettings, MqttSettings, ProvisioningSettings
from domain.provisioning import CREDENTIALS_COLUMNS, InvalidVin, IssuedCredentials


class VehiclesSettings(BaseProcessSettings):
    """Settings of ``carecast vehicles``: database, topic root, and the broker's provisioning admin."""

    mqtt: MqttSettings = Field(default_factory=MqttSettings)
    provisioning: ProvisioningSettings = Field(default_factory=ProvisioningSettings)


@click.group(name="vehicles", context_settings=CONTEXT_SETTINGS)
def command() -> None:
    """Provision, rotate, revoke and list vehicles' MQTT broker credentials.

    Each vehicle gets a broker account (user name = client id = VIN) whose role lets it publish to its own
    telemetry topic only, through Mosquitto's dynamic-security plugin and the admin account in
    CARECAST_PROVISIONING__USERNAME / __PASSWORD. A new password is shown once; only the account's state is stored.
    """


def _settings(ctx: click.Context) -> VehiclesSettings:
    return ctx.find_object(VehiclesSettings) or VehiclesSettings()


def _provisioner(settings: VehiclesSettings) -> Provisioner:
    return Provisioner(mqtt=settings.mqtt, settings=settings.provisioning)


def _connect(settings: VehiclesSettings) -> psycopg.Connection:
    return connect(settings.database, autocommit=True)


@contextmanager
def _credentials_out(path: str | None) -> Iterator[IO[str]]:
    """The credentials file: a new file readable by its owner only (never overwritten), or stdout for ``-``."""
    if path is None or path == "-":
        yield sys.stdout
        return
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise InvalidInput(
            f"{path} exists; credentials files are never overwritten, choose a new name"
        ) from None
    except OSError as exc:
        raise InvalidInput(f"cannot create {path}: {exc.strerror}") from None
    os.fchmod(fd, 0o600)  # whatever the umask
    with os.fdopen(fd, "w", newline="", encoding="utf-8") as out:
        yield out


def _write(out: IO[str], issued: Iterable[IssuedCredentials]) -> int:
    """Write the header and one row per vehicle as each is issued (a failure keeps the rows done); return rows."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CREDENTIALS_COLUMNS)
    out.flush()
    rows = 0
    for credentials in issued:
        writer.writerow(credentials.row())
        out.flush()
        rows += 1
    return rows


def _vin_checked(provisioner: Provisioner, vins: Sequence[str]) -> None:
    for vin in vins:
        try:
            provisioner.account(vin)
        except InvalidVin as exc:
            raise InvalidInput(str(exc)) from None


@command.command(name="provision")
@click.argument("vins", nargs=-1, metavar="VIN...")
@click.option("--all-unprovisioned", is_flag=True, help="Every registered vehicle without credentials.")
@click.option("--output", "-o", metavar="FILE",
              help="Write the credentials CSV here (created 0600, never overwritten); '-' or none: stdout.")  # fmt: skip
@click.pass_context
def provision_command(
    ctx: click.Context, vins: tuple[str, ...], all_unprovisioned: bool, output: str | None
) -> int:
    """Create vehicles' broker credentials (CSV, shown once)."""
    settings = _settings(ctx)
    log = configure_logging(settings.log, process="vehicles")
    provisioner = _provisioner(settings)
    if bool(vins) == all_unprovisioned:
        raise click.UsageError("name VINs or give --all-unprovisioned (not both)")
    if all_unprovisioned and output is None:
        raise click.UsageError("--all-unprovisioned needs --output FILE (or '-' for stdout)")
    _vin_checked(provisioner, vins)
    with _connect(settings) as conn:
        wanted = list(vins) or provisioner.unprovisioned(conn)
        issued = provisioner.provision(conn, vins=wanted, now=datetime.now(UTC))  # checks every VIN first
        with _credentials_out(output) as out:
            rows = _write(out, issued)
    log.info("vehicles.provisioned", vehicles=rows, output=output or "-", broker=provisioner.admin.host)
    where = "" if output in (None, "-") else f" in {output}"
    click.echo(f"provisioned {rows} vehicle(s); their passwords{where} are shown only this once", err=True)
    return 0


@command.command(name="rotate")
@click.argument("vin")
@click.option("--output", "-o", metavar="FILE", help="Write the credentials CSV here (0600); default stdout.")
@click.pass_context
def rotate_command(ctx: click.Context, vin: str, output: str | None) -> int:
    """Replace a vehicle's broker password.

    The old password stops working at once; a revoked vehicle is enabled again.
    """
    settings = _settings(ctx)
    log = configure_logging(settings.log, process="vehicles")
    provisioner = _provisioner(settings)
    _vin_checked(provisioner, [vin])
    with _connect(settings) as conn, _credentials_out(output) as out:
        _write(out, [provisioner.rotate(conn, vin=vin, now=datetime.now(UTC))])
    log.info("vehicles.rotated", vin=vin)
    click.echo(f"rotated {vin}; the new password is shown only this once", err=True)
    return 0


@command.command(name="revoke")
@click.argument("vin")
@click.pass_context
def revoke_command(ctx: click.Context, vin: str) -> int:
    """Disable a vehicle's broker account.

    It is refused at its next login and its live connections are closed; rotate enables it again.
    """
    settings = _settings(ctx)
    log = configure_logging(settings.log, process="vehicles")
    provisioner = _provisioner(settings)
    _vin_checked(provisioner, [vin])
    with _connect(settings) as conn:
        provisioner.revoke(conn, vin=vin, now=datetime.now(UTC))
    log.info("vehicles.revoked", vin=vin)
    click.echo(f"revoked {vin}: refused at its next login, live connections closed", err=True)
    return 0


@command.command(name="deprovision")
@click.argument("vin")
@click.pass_context
def deprovision_command(ctx: click.Context, vin: str) -> int:
    """Delete a vehicle's broker account and role.

    Run it before deregistering the vehicle: the database refuses to delete a vehicle that has credentials.
    """
    settings = _settings(ctx)
    log = configure_logging(settings.log, process="vehicles")
    provisioner = _provisioner(settings)
    _vin_checked(provisioner, [vin])
    with _connect(settings) as conn:
        removed = provisioner.deprovision(conn, vin=vin)
    log.info("vehicles.deprovisioned", vin=vin, removed=removed)
    click.echo(f"deprovisioned {vin}" if removed else f"{vin} had no broker credentials", err=True)
    return 0


@command.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON array instead of the table.")
@click.pass_context
def list_command(ctx: click.Context, as_json: bool) -> int:
    """List vehicles with broker credentials (never a password)."""
    settings = _settings(ctx)
    with _connect(settings) as conn:
        rows = [asdict(r) for r in _provisioner(settings).list_credentials(conn)]
    if as_json:
        print(orjson.dumps(rows, option=orjson.OPT_INDENT_2).decode())
        return 0
    columns = ["vin", "username", "status", "created_at", "rotated_at", "revoked_at"]
    cells = [["" if r[c] is None else str(r[c]) for c in columns] for r in rows]
    widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(columns)]
    for line in [columns, *cells]:
        print("  ".join(v.ljust(w) for v, w in zip(line, widths, strict=True)).rstrip())
    return 0


@command.command(name="setup-broker")
@click.option("--ingest", "ingest", multiple=True, metavar="USER", default=["carecast-ingest"], show_default=True,
              help="An ingester account (one per ingest instance); its password is asked for.")  # fmt: skip
@click.option("--simulator", "simulator", multiple=True, metavar="USER",
              help="Demo only: a simulator account (e.g. carecast-simulator); never on a production broker.")  # fmt: skip
@click.pass_context
def setup_broker_command(ctx: click.Context, ingest: tuple[str, ...], simulator: tuple[str, ...]) -> int:
    """Create the service accounts on a freshly initialised broker.

    Run once after mosquitto_ctrl dynsec init (deploy/README.md). Safe to run again (an existing account gets the password given now). Also limits the init admin role to the
    plugin's $CONTROL topic. Passwords are read from the terminal (or stdin, each given twice).
    """
    settings = _settings(ctx)
    log = configure_logging(settings.log, process="vehicles")
    accounts = [
        (
            user,
            click.prompt(f"Password for {user}", hide_input=True, confirmation_prompt=True, err=True),
            role,
        )
        for role, users in (("carecast-ingest", ingest), ("carecast-simulator", simulator))
        for user in users
    ]
    done = _provisioner(settings).setup_broker(service_accounts=accounts)
    log.info("vehicles.broker_set_up", changes=len(done))
    for line in done:
        click.echo(line, err=True)
    return 0


def main(argv: Sequence[str] | None = None, *, settings: VehiclesSettings | None = None) -> int:
    """Run one ``carecast vehicles`` command; return the exit status."""
    return run_command(command, argv, obj=settings)


if __name__ == "__main__":
    sys.exit(main())
