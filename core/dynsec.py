"""Mosquitto's dynamic-security plugin, driven over MQTT: commands out, their answers back, typed errors.

The plugin listens on ``$CONTROL/dynamic-security/v1`` and answers every JSON ``{"commands": [...]}`` it is sent
on ``$CONTROL/dynamic-security/v1/response`` with ``{"responses": [...]}``, one per command and in order, each
carrying the ``correlationData`` it was given and an ``error`` string when it failed (plugins/dynamic-security/
README.md of eclipse/mosquitto 2.0). Only an account with the plugin's admin role may do either.

One `DynsecSession` is one short-lived connection of that account. The broker makes the client id the user name
(use_username_as_clientid), so two sessions of the same account at once knock each other off: the CLI and the API
keep their sessions short, and a session that loses its connection fails with `BrokerUnavailable`.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import orjson
import paho.mqtt.client as paho

from core.errors import CarecastError
from core.mqtt import make_client
from core.settings import MqttSettings

CONTROL_TOPIC = "$CONTROL/dynamic-security/v1"
RESPONSE_TOPIC = CONTROL_TOPIC + "/response"
# Commands per PUBLISH: a bulk run sends a few hundred vehicles' commands at once instead of one round trip each,
# far below the broker's message_size_limit (a vehicle's three commands are about 400 bytes).
MAX_COMMANDS_PER_MESSAGE = 300


class ProvisioningError(CarecastError):
    """Root of everything that can go wrong provisioning vehicles on the broker."""


class BrokerUnavailable(ProvisioningError):
    """The broker did not answer: not reachable, connection lost, or no reply within the timeout."""


class AdminRefused(ProvisioningError):
    """The broker refused the provisioning admin account (wrong password, or it lacks the plugin's admin role)."""


class CommandFailed(ProvisioningError):
    """The plugin answered a command with an error ("Client already exists", "Client not found" …)."""

    def __init__(self, command: str, error: str) -> None:
        super().__init__(f"dynamic-security {command} failed: {error}")
        self.command = command
        self.error = error


@dataclass(frozen=True, slots=True)
class Acl:
    """One ACL entry of a role (acltype: publishClientSend, publishClientReceive, subscribePattern …)."""

    acltype: str
    topic: str
    allow: bool = True


@dataclass(frozen=True, slots=True)
class Command:
    """One plugin command: its name and its JSON fields (built only by the functions below)."""

    name: str
    fields: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Reply:
    """The plugin's answer to one command: `error` is None on success, `data` what a get/list command returns."""

    command: str
    error: str | None
    data: Mapping[str, Any]

    def ok(self) -> Reply:
        """Return self, or raise CommandFailed when the command failed."""
        if self.error is not None:
            raise CommandFailed(self.command, self.error)
        return self


def create_role(rolename: str, acls: Sequence[Acl]) -> Command:
    """Return createRole with its ACLs."""
    entries = [{"acltype": a.acltype, "topic": a.topic, "allow": a.allow, "priority": 0} for a in acls]
    return Command("createRole", {"rolename": rolename, "acls": entries})


def delete_role(rolename: str) -> Command:
    """Return deleteRole."""
    return Command("deleteRole", {"rolename": rolename})


def add_role_acl(rolename: str, acl: Acl) -> Command:
    """Return addRoleACL."""
    return Command(
        "addRoleACL",
        {"rolename": rolename, "acltype": acl.acltype, "topic": acl.topic, "allow": acl.allow, "priority": 0},
    )


def remove_role_acl(rolename: str, acl: Acl) -> Command:
    """Return removeRoleACL."""
    return Command("removeRoleACL", {"rolename": rolename, "acltype": acl.acltype, "topic": acl.topic})


def create_client(username: str, password: str, *, roles: Sequence[str], textname: str = "") -> Command:
    """Return createClient with its password and roles (the roles must exist, e.g. created earlier in the batch)."""
    return Command(
        "createClient",
        {
            "username": username,
            "password": password,
            "textname": textname,
            "roles": [{"rolename": r, "priority": -1} for r in roles],
        },
    )


def add_client_role(username: str, rolename: str) -> Command:
    """Return addClientRole."""
    return Command("addClientRole", {"username": username, "rolename": rolename, "priority": -1})


def set_client_password(username: str, password: str) -> Command:
    """Return setClientPassword (the broker also disconnects the client's live connections)."""
    return Command("setClientPassword", {"username": username, "password": password})


def enable_client(username: str) -> Command:
    """Return enableClient."""
    return Command("enableClient", {"username": username})


def disable_client(username: str) -> Command:
    """Return disableClient (refused at its next login; its live connections are closed at once)."""
    return Command("disableClient", {"username": username})


def delete_client(username: str) -> Command:
    """Return deleteClient (its live connections are closed)."""
    return Command("deleteClient", {"username": username})


def get_client(username: str) -> Command:
    """Return getClient."""
    return Command("getClient", {"username": username})


def get_role(rolename: str) -> Command:
    """Return getRole (its ACLs in data.role.acls)."""
    return Command("getRole", {"rolename": rolename})


def list_clients() -> Command:
    """Return listClients (every user name)."""
    return Command("listClients", {"verbose": False, "count": -1, "offset": 0})


class DynsecSession:
    """One connection of the admin account: `run(commands)` sends them and waits for their replies."""

    def __init__(self, client: paho.Client, *, timeout_s: float, where: str) -> None:
        self._client = client
        self._timeout_s = timeout_s
        self._where = where
        self._cond = threading.Condition()
        self._replies: dict[str, Reply] = {}
        self._lost: str | None = None
        client.on_message = self._on_message
        client.on_disconnect = self._on_disconnect

    def _on_message(self, _c: paho.Client, _u: object, msg: paho.MQTTMessage) -> None:
        try:
            responses = orjson.loads(msg.payload).get("responses", [])
        except (orjson.JSONDecodeError, AttributeError):
            return
        with self._cond:
            for r in responses:
                if isinstance(r, dict) and isinstance(r.get("correlationData"), str):
                    error = r.get("error")
                    data = r.get("data")
                    self._replies[r["correlationData"]] = Reply(
                        command=str(r.get("command", "")),
                        error=str(error) if error is not None else None,
                        data=data if isinstance(data, dict) else {},
                    )
            self._cond.notify_all()

    def _on_disconnect(
        self, _c: paho.Client, _u: object, _f: object, rc: paho.ReasonCode, _p: object
    ) -> None:
        with self._cond:
            self._lost = str(rc)
            self._cond.notify_all()

    def run(self, commands: Sequence[Command]) -> list[Reply]:
        """Send `commands` (in order, in as few messages as fit) and return their replies in the same order."""
        replies: list[Reply] = []
        for start in range(0, len(commands), MAX_COMMANDS_PER_MESSAGE):
            replies += self._run_batch(commands[start : start + MAX_COMMANDS_PER_MESSAGE])
        return replies

    def _run_batch(self, commands: Sequence[Command]) -> list[Reply]:
        ids = [uuid.uuid4().hex for _ in commands]
        body = {
            "commands": [
                {"command": c.name, **c.fields, "correlationData": i}
                for c, i in zip(commands, ids, strict=True)
            ]
        }
        self._client.publish(CONTROL_TOPIC, orjson.dumps(body), qos=1)
        with self._cond:
            done = self._cond.wait_for(
                lambda: self._lost is not None or all(i in self._replies for i in ids),
                timeout=self._timeout_s,
            )
            if self._lost is not None:
                raise BrokerUnavailable(
                    f"the MQTT broker at {self._where} closed the provisioning connection ({self._lost}); "
                    "is another process logged in with the same admin account?"
                )
            if not done:
                raise BrokerUnavailable(
                    f"no dynamic-security reply from the MQTT broker at {self._where} within {self._timeout_s:g} s; "
                    "is the plugin loaded (deploy/mosquitto/mosquitto.conf)?"
                )
            return [self._replies.pop(i) for i in ids]


@contextmanager
def session(settings: MqttSettings, *, timeout_s: float) -> Iterator[DynsecSession]:
    """Yield a connected, subscribed admin session; `settings` carry the admin account. Disconnects on exit."""
    where = f"{settings.host}:{settings.port}"
    client = make_client(settings, client_id=settings.username or "carecast-provision")
    connack: list[paho.ReasonCode] = []
    suback: list[list[paho.ReasonCode]] = []
    ready = threading.Event()

    def on_connect(_c: paho.Client, _u: object, _f: object, rc: paho.ReasonCode, _p: object) -> None:
        connack.append(rc)
        if rc.is_failure:
            ready.set()
        else:
            client.subscribe(RESPONSE_TOPIC, qos=1)

    def on_subscribe(_c: paho.Client, _u: object, _m: int, rcs: list[paho.ReasonCode], _p: object) -> None:
        suback.append(list(rcs))
        ready.set()

    client.on_connect = on_connect
    client.on_subscribe = on_subscribe
    try:
        client.connect(settings.host, settings.port, keepalive=settings.keepalive_s)
    except OSError as exc:
        raise BrokerUnavailable(
            f"cannot reach the MQTT broker at {where} ({exc.strerror or exc}); is it running? "
            "set CARECAST_PROVISIONING__HOST and CARECAST_PROVISIONING__PORT"
        ) from exc
    live = DynsecSession(client, timeout_s=timeout_s, where=where)
    client.loop_start()
    try:
        if not ready.wait(timeout_s):
            raise BrokerUnavailable(f"the MQTT broker at {where} did not answer within {timeout_s:g} s")
        if connack and connack[0].is_failure:
            raise AdminRefused(
                f"the MQTT broker at {where} refused the provisioning account {settings.username!r} "
                f"({connack[0]}); check CARECAST_PROVISIONING__USERNAME and CARECAST_PROVISIONING__PASSWORD"
            )
        if not suback or suback[0][0].is_failure:
            raise AdminRefused(
                f"the MQTT broker at {where} lets {settings.username!r} log in but not administer the "
                "dynamic-security plugin; give it the admin role (docs/provisioning.md)"
            )
        yield live
    finally:
        client.disconnect()
        client.loop_stop()
