"""Create, revoke and list API keys and owner tokens (``python -m api.keys`` / ``carecast keys``).

Only the SHA-256 hash of a secret is stored; the secret itself is returned (and printed) once, at creation.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import psycopg
from psycopg.rows import dict_row, tuple_row

from api.credentials import SecretKind, display_prefix, hash_secret, kind_of, new_secret
from api.settings import KeysSettings
from core.db import connect, query


class KeyCommandError(Exception):
    """A key operation could not be done (unknown center or customer, no such prefix, ambiguous prefix)."""


def center_id_for_code(conn: psycopg.Connection, *, code: str) -> int:
    """Return the id of the service center with this code."""
    row = (
        conn.cursor(row_factory=tuple_row).execute(query("api", "center_by_code"), {"code": code}).fetchone()
    )
    if row is None:
        raise KeyCommandError(f"no service center with code {code!r}")
    return row[0]


def _insert_key(conn: psycopg.Connection, *, role: str, center_id: int | None, label: str) -> str:
    secret = new_secret(SecretKind.CENTER_KEY)
    params = {
        "center_id": center_id,
        "role": role,
        "prefix": display_prefix(secret),
        "hash": hash_secret(secret),
        "label": label,
    }
    try:
        with conn.transaction():
            conn.execute(query("api", "api_key_insert"), params)
    except psycopg.errors.ForeignKeyViolation as exc:
        raise KeyCommandError(f"no service center with id {center_id}") from exc
    return secret


def create_center_key(conn: psycopg.Connection, *, center_id: int, label: str = "") -> str:
    """Store a new API key for one service center and return its secret (shown only this once)."""
    return _insert_key(conn, role="center", center_id=center_id, label=label)


def create_admin_key(conn: psycopg.Connection, *, label: str = "") -> str:
    """Store a new operator key that may read every center and return its secret (shown only this once)."""
    return _insert_key(conn, role="admin", center_id=None, label=label)


def create_owner_token(conn: psycopg.Connection, *, customer_id: int) -> str:
    """Store a new owner token for one customer and return its secret (shown only this once)."""
    secret = new_secret(SecretKind.OWNER_TOKEN)
    params = {"customer_id": customer_id, "prefix": display_prefix(secret), "hash": hash_secret(secret)}
    try:
        with conn.transaction():
            conn.execute(query("api", "owner_token_insert"), params)
    except psycopg.errors.ForeignKeyViolation as exc:
        raise KeyCommandError(f"no customer with id {customer_id}") from exc
    return secret


def revoke(conn: psycopg.Connection, *, prefix: str) -> tuple[str, str]:
    """Revoke the one active key or owner token with this display prefix; return (table, prefix) revoked."""
    if kind_of(prefix) is not None:
        prefix = display_prefix(prefix)  # a whole secret was pasted: use its prefix
    table = "owner_token" if prefix.startswith(SecretKind.OWNER_TOKEN.value) else "api_key"
    with conn.transaction():
        cur = conn.cursor(row_factory=tuple_row)
        ids = [r[0] for r in cur.execute(query("api", f"{table}_active_by_prefix"), {"prefix": prefix})]
        if not ids:
            raise KeyCommandError(f"no active {table.replace('_', ' ')} with prefix {prefix!r}")
        if len(ids) > 1:
            raise KeyCommandError(
                f"prefix {prefix!r} matches {len(ids)} active credentials; revoke by a longer value"
            )
        conn.execute(query("api", f"{table}_revoke"), {"id": ids[0]})
    return table, prefix


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
        "revoked_at",
    ]
    cells = [[("" if r[c] is None else str(r[c])) for c in columns] for r in rows]
    widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(columns)]
    for line in [columns, *cells]:
        print("  ".join(v.ljust(w) for v, w in zip(line, widths, strict=True)).rstrip())


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="carecast keys", description="Manage API keys and owner tokens.")
    sub = parser.add_subparsers(dest="command", required=True)
    create = sub.add_parser("create", help="create an API key for a service center")
    create.add_argument("--center", required=True, metavar="CODE", help="service center code")
    create.add_argument("--label", default="", help="free text, e.g. who holds the key")
    admin = sub.add_parser("create-admin", help="create an operator key that may read every center")
    admin.add_argument("--label", default="")
    rev = sub.add_parser("revoke", help="revoke a key or owner token by its prefix")
    rev.add_argument("--prefix", required=True, help="prefix shown by `list` (or the whole secret)")
    sub.add_parser("list", help="list keys and owner tokens (never their secrets)")
    owner = sub.add_parser("owner-token", help="create an owner token for a customer")
    owner.add_argument("--customer-id", required=True, type=int)
    return parser


def main(argv: list[str] | None = None, *, settings: KeysSettings | None = None) -> int:
    """Run one key command; print a new secret once on stdout; return the exit status."""
    args = _parser().parse_args(argv)
    settings = settings or KeysSettings()
    with connect(settings.database, autocommit=True) as conn:
        try:
            if args.command == "create":
                secret = create_center_key(
                    conn, center_id=center_id_for_code(conn, code=args.center), label=args.label
                )
            elif args.command == "create-admin":
                secret = create_admin_key(conn, label=args.label)
            elif args.command == "owner-token":
                secret = create_owner_token(conn, customer_id=args.customer_id)
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
