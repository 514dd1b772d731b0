"""``carecast keys`` (``python -m api.keys``): create, rotate, revoke and list API keys and owner tokens.

The command line of ``api/auth/key_store.py``. A new secret is printed once, on stdout; everything else goes to
stderr.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import click
import orjson
import psycopg

from api.auth.credentials import display_prefix, parse_duration
from api.auth.key_store import (
    DEFAULT_GRACE,
    center_id_for_code,
    create_admin_key,
    create_center_key,
    create_owner_token,
    customer_id_for_ref,
    list_credentials,
    revoke,
    rotate,
)
from api.settings import KeysSettings
from core import owner_links
from core.cli import CONTEXT_SETTINGS, run_command
from core.db import connect


def _print_table(rows: list[dict[str, Any]]) -> None:
    columns = [
        "kind",
        "prefix",
        "role",
        "center_code",
        "customer_id",
        "label",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    ]
    cells = [[("" if r[c] is None else str(r[c])) for c in columns] for r in rows]
    widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(columns)]
    for line in [columns, *cells]:
        print("  ".join(v.ljust(w) for v, w in zip(line, widths, strict=True)).rstrip())


class Duration(click.ParamType):
    """A duration such as 90d, 12h, 30m or 2w."""

    name = "DURATION"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        """Return the timedelta, or fail with the parser's message."""
        if isinstance(value, timedelta):
            return value
        try:
            return parse_duration(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


DURATION = Duration()
expires_in_option = click.option(
    "--expires-in",
    type=DURATION,
    help="The secret stops working this long after creation, e.g. 90d, 12h, 2w.  [default: never]",
)
prefix_option = click.option(
    "--prefix", required=True, help="The prefix that carecast keys list shows (or the whole secret)."
)


@click.group(name="keys", context_settings=CONTEXT_SETTINGS)
def command() -> None:
    """Create, rotate, revoke and list API keys and owner tokens.

    Only a hash of each secret is stored: a new secret is printed once, on stdout (the rest goes to stderr), and
    cannot be shown again. Center keys read one service center's endpoints, admin keys every center's and the
    manager report; owner tokens act for one customer (their vehicles, booking offers and surveys).
    """


def _connect(ctx: click.Context) -> psycopg.Connection:
    settings = ctx.find_object(KeysSettings) or KeysSettings()
    return connect(settings.database, autocommit=True)


def _issued(secret: str) -> int:
    print(secret)
    print(f"stored {display_prefix(secret)}; the secret above is shown only once", file=sys.stderr)
    return 0


@command.command(name="create")
@click.option("--center", required=True, metavar="CODE", help="Service center code, e.g. SC-SHA-01.")
@click.option("--label", default="", help="Free text, e.g. who holds the key.")
@expires_in_option
@click.pass_context
def create_command(ctx: click.Context, center: str, label: str, expires_in: timedelta | None) -> int:
    """Create an API key for one service center."""
    with _connect(ctx) as conn:
        center_id = center_id_for_code(conn, code=center)
        return _issued(create_center_key(conn, center_id=center_id, label=label, expires_in=expires_in))


@command.command(name="create-admin")
@click.option("--label", default="", help="Free text, e.g. who holds the key.")
@expires_in_option
@click.pass_context
def create_admin_command(ctx: click.Context, label: str, expires_in: timedelta | None) -> int:
    """Create an operator key that may read every center."""
    with _connect(ctx) as conn:
        return _issued(create_admin_key(conn, label=label, expires_in=expires_in))


@command.command(name="owner-token")
@click.option("--customer", "ref", metavar="REF", help="The customer's reference (as imported).")
@click.option("--customer-id", type=int, help="The customer's numeric id.")
@expires_in_option
@click.pass_context
def owner_token_command(
    ctx: click.Context, ref: str | None, customer_id: int | None, expires_in: timedelta | None
) -> int:
    """Create an owner token for one customer.

    Name the customer by the reference it was imported with (--customer) or by its numeric id (--customer-id).
    """
    if (ref is None) == (customer_id is None):
        raise click.UsageError("give the customer with exactly one of --customer REF or --customer-id ID")
    with _connect(ctx) as conn:
        if ref is not None:
            customer_id = customer_id_for_ref(conn, ref=ref)
        assert customer_id is not None
        return _issued(create_owner_token(conn, customer_id=customer_id, expires_in=expires_in))


@command.command(name="owner-link")
@click.option(
    "--customer", "ref", required=True, metavar="REF", help="The customer's reference (as imported)."
)
@click.option("--vin", default=None, help="Which of the customer's cars.  [default: their newest]")
@click.pass_context
def owner_link_command(ctx: click.Context, ref: str, vin: str | None) -> int:
    """Mint an owner page link for support staff to send.

    The link (<public url>/o/<token>) shows the car's most urgent open finding, its offered slots and visit, and books with one tap; it
    expires after CARECAST_OWNER_LINKS__TTL_DAYS. It is printed once, on stdout.
    """
    settings = ctx.find_object(KeysSettings) or KeysSettings()
    with _connect(ctx) as conn:
        customer_id = customer_id_for_ref(conn, ref=ref)
        try:
            token = owner_links.mint_for_customer(
                conn,
                customer_id=customer_id,
                vin=vin,
                now=datetime.now(UTC),
                ttl=timedelta(days=settings.owner_links.ttl_days),
                created_by="support",
            )
        except owner_links.OwnerLinkError as exc:
            raise click.ClickException(str(exc)) from exc
    print(owner_links.link_url(settings.owner_links.public_url, token))
    print(f"expires in {settings.owner_links.ttl_days} days; shown only once", file=sys.stderr)
    return 0


@command.command(name="rotate")
@prefix_option
@click.option("--grace", type=DURATION, default=f"{DEFAULT_GRACE // timedelta(hours=1)}h", show_default=True,
              help="How long the old secret keeps working, e.g. 7d or 0m.")  # fmt: skip
@expires_in_option
@click.pass_context
def rotate_command(ctx: click.Context, prefix: str, grace: timedelta, expires_in: timedelta | None) -> int:
    """Replace a secret; the old one keeps working for --grace.

    The new secret has the same scope and label (a center key's webhooks move over to it); both work during the
    grace period, so clients can switch without an outage.
    """
    with _connect(ctx) as conn:
        rotation = rotate(conn, prefix=prefix, grace=grace, expires_in=expires_in)
    print(
        f"rotated {rotation.table.replace('_', ' ')} {rotation.old_prefix}: it stops working at "
        f"{rotation.old_expires_at.isoformat()}",
        file=sys.stderr,
    )
    return _issued(rotation.secret)


@command.command(name="revoke")
@prefix_option
@click.pass_context
def revoke_command(ctx: click.Context, prefix: str) -> int:
    """Revoke a key or owner token by its prefix."""
    with _connect(ctx) as conn:
        table, revoked = revoke(conn, prefix=prefix)
    print(f"revoked {table.replace('_', ' ')} {revoked}", file=sys.stderr)
    return 0


@command.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON array instead of the table.")
@click.pass_context
def list_command(ctx: click.Context, as_json: bool) -> int:
    """List keys and owner tokens (never their secrets)."""
    with _connect(ctx) as conn:
        rows = list_credentials(conn)
    if as_json:
        print(orjson.dumps(rows, option=orjson.OPT_INDENT_2).decode())
    else:
        _print_table(rows)
    return 0


def main(argv: Sequence[str] | None = None, *, settings: KeysSettings | None = None) -> int:
    """Run one key command; print a new secret once on stdout; return the exit status."""
    return run_command(command, argv, obj=settings)


if __name__ == "__main__":
    sys.exit(main())
