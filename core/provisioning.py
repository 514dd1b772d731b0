"""Vehicles' broker accounts: provision, rotate, revoke, deprovision, and the service accounts of a fresh broker.

The broker side goes through Mosquitto's dynamic-security plugin (core/dynsec.py) with the provisioning admin
account; this module owns the `vehicle_credential` table (migration 0028), which records which vehicles hold
credentials and since when, never a password. The broker is changed first and the table after, so a crash in
between leaves at most a broker account without a row: provisioning a vehicle without a row re-creates its
account from scratch (delete, then create), which also repairs any drift of its role.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime

import psycopg
from psycopg.rows import class_row, tuple_row

from core import dynsec
from core.db import query
from core.dynsec import Acl, AdminRefused, BrokerUnavailable, CommandFailed, ProvisioningError, Reply
from core.settings import MqttSettings, ProvisioningSettings
from core.sql import (
    CREDENTIAL_DELETE,
    CREDENTIAL_GET,
    CREDENTIAL_LIST,
    CREDENTIAL_REVOKE,
    CREDENTIAL_UNPROVISIONED,
    CREDENTIAL_UPSERT,
)
from domain.provisioning import IssuedCredentials, VehicleAccount, new_password, vehicle_account

__all__ = [
    "AdminRefused",
    "AlreadyProvisioned",
    "BrokerUnavailable",
    "CommandFailed",
    "CredentialState",
    "NotProvisioned",
    "Provisioner",
    "ProvisioningError",
    "UnknownVehicle",
]

# Vehicles per dynamic-security message in a bulk run. Mosquitto 2.0's plugin rewrites its whole JSON file after
# every command that changes something (two per vehicle), blocking the broker meanwhile: small messages keep each
# reply within the timeout and let the broker serve its clients between them (docs/provisioning.md, "Scale").
CHUNK = 10
# The role `mosquitto_ctrl dynsec init` gives its admin: it may read every topic; `setup_broker` takes that away.
INIT_ADMIN_ROLE = "admin"
_ADMIN_READS_ALL = (
    Acl("publishClientReceive", "#"),
    Acl("subscribePattern", "#"),
    Acl("unsubscribePattern", "#"),
)
_NOT_FOUND = ("Client not found", "Role not found")


class UnknownVehicle(ProvisioningError):
    """The VIN is not a registered vehicle."""


class AlreadyProvisioned(ProvisioningError):
    """The vehicle already has credentials: rotate them instead."""


class NotProvisioned(ProvisioningError):
    """The vehicle has no credentials to rotate or revoke."""


@dataclass(frozen=True, slots=True)
class CredentialState:
    """One vehicle's row in `vehicle_credential` (status: active or revoked)."""

    vin: str
    username: str
    status: str
    created_at: datetime
    rotated_at: datetime | None
    revoked_at: datetime | None


def vehicle_acls(account: VehicleAccount) -> list[Acl]:
    """Return the ACL of a vehicle's own role: publish to its telemetry topic, nothing else."""
    return [Acl("publishClientSend", account.topic)]


def ingest_acls(topic_root: str) -> list[Acl]:
    """Return the ingester role's ACL: read every vehicle's telemetry, read and write its own status topic."""
    telemetry, status = f"{topic_root}/+/telemetry", f"{topic_root}/ingest/+/status"
    return [
        Acl("subscribePattern", telemetry),
        # Mosquitto 2.0.11's plugin checks a shared subscription's whole filter ($share/GROUP/...); removing this
        # line fails tests/deploy/test_deploy_mosquitto_acl.py's shared case. A broker that strips $share first
        # matches the line above instead.
        Acl("subscribePattern", f"$share/+/{telemetry}"),
        Acl("publishClientReceive", telemetry),
        Acl("subscribePattern", status),
        Acl("publishClientReceive", status),
        Acl("publishClientSend", status),
    ]


def simulator_acls(topic_root: str) -> list[Acl]:
    """Return the demo simulator's ACL: publish every vehicle's telemetry (never on a production broker)."""
    return [Acl("publishClientSend", f"{topic_root}/+/telemetry")]


# The services' roles, each named like its first account (setup_broker).
SERVICE_ROLES: dict[str, Callable[[str], list[Acl]]] = {
    "carecast-ingest": ingest_acls,
    "carecast-simulator": simulator_acls,
}


def vehicle_commands(account: VehicleAccount, password: str) -> list[dynsec.Command]:
    """Commands that replace whatever the broker has for `account` with a fresh account and role."""
    return [
        dynsec.delete_client(account.username),
        dynsec.delete_role(account.rolename),
        dynsec.create_role(account.rolename, vehicle_acls(account)),
        dynsec.create_client(
            account.username, password, roles=[account.rolename], textname="carecast vehicle"
        ),
    ]


def _tolerating_missing(replies: Sequence[Reply]) -> list[Reply]:
    """Raise the first failure other than "not found" (deleting what is already gone is fine)."""
    for r in replies:
        if r.error is not None and r.error not in _NOT_FOUND:
            r.ok()
    return list(replies)


class Provisioner:
    """Vehicle credentials on one broker: holds the settings, opens an admin session per operation."""

    def __init__(self, *, mqtt: MqttSettings, settings: ProvisioningSettings) -> None:
        self.topic_root = mqtt.topic_root
        self.settings = settings
        self.admin = mqtt.model_copy(
            update={
                "host": settings.host or mqtt.host,
                "port": settings.port or mqtt.port,
                "username": settings.username,
                "password": settings.password,
            }
        )

    def session(self) -> AbstractContextManager[dynsec.DynsecSession]:
        """Return a context manager yielding a connected admin session (AdminRefused without a password)."""
        if self.settings.password is None or not self.settings.password.get_secret_value():
            raise AdminRefused(
                "CARECAST_PROVISIONING__PASSWORD is not set: the broker's provisioning admin "
                f"{self.settings.username!r} needs it (docs/provisioning.md)"
            )
        return dynsec.session(self.admin, timeout_s=self.settings.timeout_s)

    def account(self, vin: str) -> VehicleAccount:
        """Return the broker account of `vin` (InvalidVin for anything else)."""
        return vehicle_account(vin, topic_root=self.topic_root)

    def _issued(self, account: VehicleAccount, password: str) -> IssuedCredentials:
        return IssuedCredentials(
            account=account,
            password=password,
            broker_host=self.settings.vehicle_host,
            broker_port=self.settings.vehicle_port,
        )

    def provision(
        self, conn: psycopg.Connection, *, vins: Sequence[str], now: datetime
    ) -> Iterator[IssuedCredentials]:
        """Check every VIN now, then return an iterator that creates their credentials chunk by chunk.

        The checks (InvalidVin, UnknownVehicle, AlreadyProvisioned) run before anything changes; the iterator
        yields each vehicle once the broker and the table have it, so a broker failure mid-way raises after the
        vehicles done so far were yielded and recorded.
        """
        accounts = [self.account(vin) for vin in vins]
        for account in accounts:
            state = self.state(conn, vin=account.vin)
            if state is not None:
                raise AlreadyProvisioned(
                    f"{account.vin} already has broker credentials ({state.status}); "
                    f"use `carecast vehicles rotate {account.vin}`"
                )
        return self._provision(conn, accounts, now=now)

    def _provision(
        self, conn: psycopg.Connection, accounts: list[VehicleAccount], *, now: datetime
    ) -> Iterator[IssuedCredentials]:
        if not accounts:
            return
        with self.session() as admin:
            for start in range(0, len(accounts), CHUNK):
                chunk = accounts[start : start + CHUNK]
                passwords = [new_password() for _ in chunk]
                commands = [c for a, p in zip(chunk, passwords, strict=True) for c in vehicle_commands(a, p)]
                replies = admin.run(commands)
                for n, (account, password) in enumerate(zip(chunk, passwords, strict=True)):
                    _tolerating_missing(replies[4 * n : 4 * n + 4])
                    self._record(conn, account, now=now)
                    yield self._issued(account, password)

    def rotate(self, conn: psycopg.Connection, *, vin: str, now: datetime) -> IssuedCredentials:
        """Give a provisioned vehicle a new password (live connections are closed; a revoked one is enabled)."""
        account = self.account(vin)
        if self._require(conn, vin) is None:
            raise NotProvisioned(f"{vin} has no broker credentials; use `carecast vehicles provision {vin}`")
        password = new_password()
        with self.session() as admin:
            replies = admin.run(
                [
                    dynsec.set_client_password(account.username, password),
                    dynsec.enable_client(account.username),
                ]
            )
            if any(r.error == "Client not found" for r in replies):  # lost on the broker: make it again
                _tolerating_missing(admin.run(vehicle_commands(account, password)))
            else:
                _tolerating_missing(replies)
        self._record(conn, account, now=now)
        return self._issued(account, password)

    def issue(self, conn: psycopg.Connection, *, vin: str, now: datetime) -> tuple[IssuedCredentials, bool]:
        """Provision `vin`, or rotate it when it already has credentials; return them and whether it rotated."""
        if self._require(conn, vin) is None:
            [issued] = self.provision(conn, vins=[vin], now=now)  # exhausted: the session closes here
            return issued, False
        return self.rotate(conn, vin=vin, now=now), True

    def revoke(self, conn: psycopg.Connection, *, vin: str, now: datetime) -> CredentialState:
        """Disable a vehicle's account (refused at login, live connections closed); the account is kept."""
        account = self.account(vin)
        if self._require(conn, vin) is None:
            raise NotProvisioned(f"{vin} has no broker credentials to revoke")
        with self.session() as admin:
            _tolerating_missing(admin.run([dynsec.disable_client(account.username)]))
        with conn.cursor(row_factory=class_row(CredentialState)) as cur:
            row = cur.execute(query(CREDENTIAL_REVOKE), {"vin": vin, "now": now}).fetchone()
        assert row is not None  # _require found it
        return row

    def deprovision(self, conn: psycopg.Connection, *, vin: str) -> bool:
        """Delete a vehicle's broker account and role and forget it; return False when it had none."""
        account = self.account(vin)
        had = self._require(conn, vin) is not None
        with self.session() as admin:
            replies = _tolerating_missing(
                admin.run([dynsec.delete_client(account.username), dynsec.delete_role(account.rolename)])
            )
        with conn.cursor(row_factory=tuple_row) as cur:
            cur.execute(query(CREDENTIAL_DELETE), {"vin": vin})
        return had or replies[0].error is None

    def unprovisioned(self, conn: psycopg.Connection) -> list[str]:
        """Return the VINs of registered vehicles without credentials, sorted."""
        with conn.cursor(row_factory=tuple_row) as cur:
            return [r[0] for r in cur.execute(query(CREDENTIAL_UNPROVISIONED))]

    def state(self, conn: psycopg.Connection, *, vin: str) -> CredentialState | None:
        """Return the vehicle's credential state, None when it has none; UnknownVehicle when it is not registered."""
        return self._require(conn, vin)

    def _require(self, conn: psycopg.Connection, vin: str) -> CredentialState | None:
        self.account(vin)  # InvalidVin first
        with conn.cursor(row_factory=tuple_row) as cur:
            row = cur.execute(query(CREDENTIAL_GET), {"vin": vin}).fetchone()
        if row is None:
            raise UnknownVehicle(f"{vin} is not a registered vehicle; register it first")
        if row[1] is None:
            return None
        return CredentialState(*row)

    def _record(self, conn: psycopg.Connection, account: VehicleAccount, *, now: datetime) -> None:
        with conn.cursor(row_factory=tuple_row) as cur:
            cur.execute(
                query(CREDENTIAL_UPSERT),
                {"vin": account.vin, "username": account.username, "now": now},
            )

    def setup_broker(
        self, *, service_accounts: Sequence[tuple[str, str, str]], restrict_admin: bool = True
    ) -> list[str]:
        """Create the service roles and accounts (username, password, role) on a fresh broker; return what changed.

        Roles: ``carecast-ingest`` and ``carecast-simulator``. An account that exists gets the password and role
        again. With `restrict_admin` the admin role made by ``mosquitto_ctrl dynsec init`` loses its read-all
        rights (it keeps ``$CONTROL/dynamic-security/#``). Safe to run again.
        """
        roles = {name: acls_of(self.topic_root) for name, acls_of in SERVICE_ROLES.items()}
        done: list[str] = []
        with self.session() as admin:
            for name, acls in roles.items():
                reply = admin.run([dynsec.create_role(name, acls)])[0]
                if reply.error == "Role already exists":
                    for acl in acls:
                        admin.run([dynsec.add_role_acl(name, acl)])  # "already exists" answers are fine
                else:
                    reply.ok()
                done.append(f"role {name}")
            for username, password, role in service_accounts:
                if role not in roles:
                    raise ProvisioningError(f"unknown service role {role!r}; one of {', '.join(roles)}")
                reply = admin.run(
                    [dynsec.create_client(username, password, roles=[role], textname="carecast")]
                )[0]
                if reply.error == "Client already exists":
                    admin.run([dynsec.set_client_password(username, password)])[0].ok()
                    admin.run([dynsec.add_client_role(username, role)])  # "Internal error" when it has it
                else:
                    reply.ok()
                done.append(f"account {username} ({role})")
        if restrict_admin:
            self._restrict_admin()
            done.append(f"role {INIT_ADMIN_ROLE} limited to $CONTROL/dynamic-security/#")
        return done

    def _restrict_admin(self) -> None:
        """Take the read-all ACLs from the init admin role, then check on a new connection that they are gone.

        Changing a role disconnects every client holding it, the admin's own session included, before the
        plugin's reply can reach it: the answer is read back with getRole instead.
        """
        wanted = [dynsec.remove_role_acl(INIT_ADMIN_ROLE, acl) for acl in _ADMIN_READS_ALL]
        try:
            with self.session() as admin:
                remaining = self._admin_read_all(admin)
                if remaining:
                    admin.run(wanted)
        except BrokerUnavailable:
            pass  # the expected disconnection
        with self.session() as admin:
            if self._admin_read_all(admin):
                raise ProvisioningError(f"the broker kept the read-all ACLs of role {INIT_ADMIN_ROLE!r}")

    @staticmethod
    def _admin_read_all(admin: dynsec.DynsecSession) -> list[Acl]:
        reply = admin.run([dynsec.get_role(INIT_ADMIN_ROLE)])[0].ok()
        acls = reply.data.get("role", {}).get("acls", [])
        have = {(a.get("acltype"), a.get("topic")) for a in acls if isinstance(a, dict)}
        return [a for a in _ADMIN_READS_ALL if (a.acltype, a.topic) in have]

    def list_credentials(self, conn: psycopg.Connection) -> list[CredentialState]:
        """Return every vehicle with credentials, by VIN."""
        with conn.cursor(row_factory=class_row(CredentialState)) as cur:
            return cur.execute(query(CREDENTIAL_LIST)).fetchall()
