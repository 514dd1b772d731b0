"""``carecast advisors``: bootstrap and inspect service advisors' accounts from the command line (the center admin
does the rest on the team page, /advisor/team). Links go to stdout, log lines to stderr."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import UTC, datetime

import click
from pydantic import Field

from core.advisors import ROLES, center_by_code, invite, link_url, team
from core.cli import CONTEXT_SETTINGS, run_command
from core.db import connect
from core.log import configure_logging
from core.settings import BaseProcessSettings, OwnerLinkSettings


class AdvisorsSettings(BaseProcessSettings):
    """Settings of ``carecast advisors``: the database, logging, and the public base URL links are built on."""

    owner_links: OwnerLinkSettings = Field(default_factory=OwnerLinkSettings)


@click.group(name="advisors", context_settings=CONTEXT_SETTINGS)
def command() -> None:
    """Invite and list service advisors' accounts.

    An invitation prints a one-time link (under CARECAST_OWNER_LINKS__PUBLIC_URL) where the advisor sets a
    password; it works once, for 7 days. Invite the first center admin of each center here; they invite the
    rest of their team on the advisor page (/advisor/team).
    """


def _settings(ctx: click.Context) -> AdvisorsSettings:
    return ctx.find_object(AdvisorsSettings) or AdvisorsSettings()


@command.command(name="invite")
@click.option("--center", "center_code", required=True, help="The service center's code.")
@click.option("--email", required=True, help="The advisor's login e-mail.")
@click.option("--name", required=True, help="The advisor's name as the team sees it.")
@click.option(
    "--role", type=click.Choice(ROLES), default="advisor", show_default=True, help="The account's role."
)
@click.pass_context
def invite_command(ctx: click.Context, center_code: str, email: str, name: str, role: str) -> int:
    """Create an advisor account and print its one-time link."""
    settings = _settings(ctx)
    log = configure_logging(settings.log, process="advisors")
    with connect(settings.database) as conn:
        center_id = center_by_code(conn, code=center_code)
        invitation = invite(
            conn, center_id=center_id, email=email, name=name, role=role, by=None, now=datetime.now(UTC)
        )
        conn.commit()
    print(link_url(settings.owner_links.public_url, invitation.token))
    log.info("advisors.invited", center=center_code, advisor_id=invitation.advisor_id, role=role)
    return 0


@command.command(name="list")
@click.option("--center", "center_code", required=True, help="The service center's code.")
@click.pass_context
def list_command(ctx: click.Context, center_code: str) -> int:
    """Print a center's advisors and their accounts.

    One tab-separated line each: id, role, account state (active, invited, deactivated: by the center, inactive: in
    the DMS, none), customers assigned, login e-mail, name.
    """
    settings = _settings(ctx)
    configure_logging(settings.log, process="advisors")
    with connect(settings.database, autocommit=True) as conn:
        members = team(conn, center_id=center_by_code(conn, code=center_code))
    print("id\trole\taccount\tcustomers\temail\tname")
    for m in members:
        state = (
            "deactivated"
            if m.deactivated_here
            else "inactive"
            if not m.active
            else "active"
            if m.has_password
            else "invited"
            if m.login_email
            else "none"
        )
        print(f"{m.id}\t{m.role}\t{state}\t{m.customers}\t{m.login_email or '-'}\t{m.name}")
    return 0


def main(argv: Sequence[str] | None = None, *, settings: AdvisorsSettings | None = None) -> int:
    """Run one advisors command; return the exit status."""
    return run_command(command, argv, obj=settings)


if __name__ == "__main__":
    sys.exit(main())
