"""Create, rotate, revoke and list API keys and owner tokens (``python -m api.keys`` / ``carecast keys``).

Only the SHA-256 hash of a secret is stored; the secret itself is returned (and printed) once, at creation.
A secret may expire (``--expires-in 90d``); ``rotate`` issues a new secret with the same scope and label and lets
the old one expire after a grace period, so clients can switch over without an outage.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import psycopg
from psycopg.rows import dict_row, tuple_row

from api.credentials import SecretKind, display_prefix, hash_secret, kind_of, new_secret, parse_duration
from api.settings import KeysSettings
from core.db import connect, query
from core.errors import CarecastError

# How long a rotated-out secret keeps working by default: a day to roll the new one out.
DEFAULT_GRACE = timedelta(hours=24)


class KeyCommandError(CarecastError):
    """A key operation could not be done (unknown center or customer, no such prefix, ambiguous prefix)."""


@dataclass(frozen=True, slots=True)
class Rotation:
    """What `rotate` did: the new secret (shown once) and when the old one stops working."""

    table: str
    old_prefix: str
    old_expires_at: datetime
    secret: str


def center_id_for_code(conn: psycopg.Connection, *, code: str) -> int:
    """Return the id of the service center with this code."""
    row = (
        conn.cursor(row_factory=tuple_row).execute(query("api", "center_by_code"), {"code": code}).fetchone()
    )
    if row is None:
        raise KeyCommandError(f"no service center with code {code!r}")
    return row[0]


def _insert_key(
    conn: psycopg.Connection, *, role: str, center_id: int | None, label: str, expires_in: timedelta | None
) -> str:
    secret = new_secret(SecretKind.CENTER_KEY)
    params = {
        "center_id": center_id,
        "role": role,
        "prefix": display_prefix(secret),
        "hash": hash_secret(secret),
        "label": label,
        "expires_in": expires_in,
    }
    try:
        with conn.transaction():
            conn.execute(query("api", "api_key_insert"), params)
    except psycopg.errors.ForeignKeyViolation as exc:
        raise KeyCommandError(f"no service center with id {center_id}") from exc
    return secret


def create_center_key(
    conn: psycopg.Connection, *, center_id: int, label: str = "", expires_in: timedelta | None = None
) -> str:
    """Store a new API key for one service center and return its secret (shown only this once)."""
    return _insert_key(conn, role="center", center_id=center_id, label=label, expires_in=expires_in)


def create_admin_key(
    conn: psycopg.Connection, *, label: str = "", expires_in: timedelta | None = None
) -> str:
    """Store a new operator key that may read every center and return its secret (shown only this once)."""
    return _insert_key(conn, role="admin", center_id=None, label=label, expires_in=expires_in)


def create_owner_token(
    conn: psycopg.Connection, *, customer_id: int, expires_in: timedelta | None = None
) -> str:
    """Store a new owner token for one customer and return its secret (shown only this once)."""
    secret = new_secret(SecretKind.OWNER_TOKEN)
    params = {
        "customer_id": customer_id,
        "prefix": display_prefix(secret),
        "hash": hash_secret(secret),
        "expires_in": expires_in,
    }
    try:
        with conn.transaction():
            conn.execute(query("api", "owner_token_insert"), params)
    except psycopg.errors.ForeignKeyViolation as exc:
        raise KeyCommandError(f"no customer with id {customer_id}") from exc
    return secret


def _live_one(conn: psycopg.Connection, *, prefix: str) -> tuple[str, str, dict[str, Any]]:
    """Return (table, prefix, row) of the one live credential with this prefix, locked; the caller's transaction."""
    if kind_of(prefix) is not None:
        prefix = display_prefix(prefix)  # a whole secret was pasted: use its prefix
    table = "owner_token" if prefix.startswith(SecretKind.OWNER_TOKEN.value) else "api_key"
    cur = conn.cursor(row_factory=dict_row)
    rows = cur.execute(query("api", f"{table}_active_by_prefix"), {"prefix": prefix}).fetchall()
    if not rows:
        raise KeyCommandError(f"no active {table.replace('_', ' ')} with prefix {prefix!r}")
    if len(rows) > 1:
        raise KeyCommandError(f"prefix {prefix!r} matches {len(rows)} active credentials; use a longer value")
    return table, prefix, rows[0]


def revoke(conn: psycopg.Connection, *, prefix: str) -> tuple[str, str]:
    """Revoke the one active key or owner token with this display prefix; return (table, prefix) revoked."""
    with conn.transaction():
        table, prefix, row = _live_one(conn, prefix=prefix)
        conn.execute(query("api", f"{table}_revoke"), {"id": row["id"]})
    return table, prefix


def rotate(
    conn: psycopg.Connection,
    *,
    prefix: str,
    grace: timedelta = DEFAULT_GRACE,
    expires_in: timedelta | None = None,
) -> Rotation:
    """Issue a new secret with the old one's scope and label; the old one expires after `grace` (never later than
    an expiry it already had). Both in one transaction. The new secret expires after `expires_in` (None: never)."""
    with conn.transaction():
        table, prefix, row = _live_one(conn, prefix=prefix)
        if table == "owner_token":
            secret = create_owner_token(conn, customer_id=row["customer_id"], expires_in=expires_in)
        else:
            secret = _insert_key(
                conn, role=row["role"], center_id=row["center_id"], label=row["label"], expires_in=expires_in
            )
            # The webhooks registered with the old key stay live under the new one.
            conn.execute(
                query("api", "webhook_adopt"), {"new_hash": hash_secret(secret), "old_id": row["id"]}
            )
        cur = conn.cursor(row_factory=tuple_row)
        expired = cur.execute(query("api", f"{table}_expire"), {"id": row["id"], "grace": grace}).fetchone()
    assert expired is not None  # the row is locked by _live_one
    return Rotation(table=table, old_prefix=prefix, old_expires_at=expired[0], secret=secret)


def list_credentials(conn: psycopg.Connection) -> list[dict[str, Any]]:
    """Return every API key and owner token (prefix, role, owner, dates), never a hash or secret."""
    cur = conn.cursor(row_factory=dict_row)
    return cur.execute(query("api", "credentials_list")).fetchall()


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


def _duration(text: str) -> timedelta:
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _expires_in(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--expires-in",
        type=_duration,
        metavar="DURATION",
        help="the secret stops working this long after creation, e.g. 90d, 12h, 2w (default: never)",
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="carecast keys", description="Manage API keys and owner tokens.")
    sub = parser.add_subparsers(dest="command", required=True)
    create = sub.add_parser("create", help="create an API key for a service center")
    create.add_argument("--center", required=True, metavar="CODE", help="service center code")
    create.add_argument("--label", default="", help="free text, e.g. who holds the key")
    _expires_in(create)
    admin = sub.add_parser("create-admin", help="create an operator key that may read every center")
    admin.add_argument("--label", default="")
    _expires_in(admin)
    rot = sub.add_parser(
        "rotate", help="issue a new secret with the same scope and label; the old one expires after --grace"
    )
    rot.add_argument("--prefix", required=True, help="prefix shown by `list` (or the whole secret)")
    rot.add_argument(
        "--grace",
        type=_duration,
        default=DEFAULT_GRACE,
        metavar="DURATION",
        help="how long the old secret keeps working, e.g. 24h (default), 7d, 0m",
    )
    _expires_in(rot)
    rev = sub.add_parser("revoke", help="revoke a key or owner token by its prefix")
    rev.add_argument("--prefix", required=True, help="prefix shown by `list` (or the whole secret)")
    sub.add_parser("list", help="list keys and owner tokens (never their secrets)")
    owner = sub.add_parser("owner-token", help="create an owner token for a customer")
    owner.add_argument("--customer-id", required=True, type=int)
    _expires_in(owner)
    return parser


def main(argv: list[str] | None = None, *, settings: KeysSettings | None = None) -> int:
    """Run one key command; print a new secret once on stdout; return the exit status."""
    args = _parser().parse_args(argv)
    settings = settings or KeysSettings()
    with connect(settings.database, autocommit=True) as conn:
        try:
            if args.command == "create":
                center_id = center_id_for_code(conn, code=args.center)
                secret = create_center_key(
                    conn, center_id=center_id, label=args.label, expires_in=args.expires_in
                )
            elif args.command == "create-admin":
                secret = create_admin_key(conn, label=args.label, expires_in=args.expires_in)
            elif args.command == "owner-token":
                secret = create_owner_token(conn, customer_id=args.customer_id, expires_in=args.expires_in)
            elif args.command == "rotate":
                rotation = rotate(conn, prefix=args.prefix, grace=args.grace, expires_in=args.expires_in)
                secret = rotation.secret
                print(
                    f"rotated {rotation.table.replace('_', ' ')} {rotation.old_prefix}: it stops working at "
                    f"{rotation.old_expires_at.isoformat()}",
                    file=sys.stderr,
                )
            elif args.command == "revoke":
                table, prefix = revoke(conn, prefix=args.prefix)
                print(f"revoked {table.replace('_', ' ')} {prefix}", file=sys.stderr)
                return 0
            else:
                _print_table(list_credentials(conn))
                return 0
        except KeyCommandError as exc:
            print(f"carecast keys: {exc}", file=sys.stderr)
            return 1
    print(secret)
    print(f"stored {display_prefix(secret)}; the secret above is shown only once", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
