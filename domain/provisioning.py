"""A vehicle's broker account, derived from its VIN: user name, client id, role, its one topic and the file row.

Pure: the broker commands that create the account are in core/dynsec.py, the bookkeeping in core/provisioning.py.
The account follows the MQTT contract (docs/mqtt-contract.md): user name = client id = VIN, and the vehicle may
publish to ``{root}/{VIN}/telemetry`` and nothing else. Mosquitto 2.0's dynamic-security plugin has no ``%u``
substitution in role ACLs, so every vehicle gets a role of its own that names its topic.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from domain.vin import is_valid_vin

# A vehicle's own role: "carecast-vehicle-<VIN>".
VEHICLE_ROLE_PREFIX = "carecast-vehicle-"
# 32 URL-safe characters (192 bits): typed into a gateway's configuration, never remembered by a person.
PASSWORD_BYTES = 24
# The credentials file handed to the telematics gateway team, one row per vehicle (docs/provisioning.md).
CREDENTIALS_COLUMNS = ("vin", "username", "password", "client_id", "topic", "broker_host", "broker_port")


class InvalidVin(ValueError):
    """Not a 17-character VIN without I, O or Q."""


@dataclass(frozen=True, slots=True)
class VehicleAccount:
    """What the broker knows about one vehicle: its login, its role and the single topic the role allows."""

    vin: str
    username: str
    client_id: str
    rolename: str
    topic: str


@dataclass(frozen=True, slots=True)
class IssuedCredentials:
    """An account with its new password: shown once (stdout, the credentials file, the API answer), never stored."""

    account: VehicleAccount
    password: str
    broker_host: str
    broker_port: int

    def row(self) -> tuple[str, str, str, str, str, str, str]:
        """Return the credentials-file row in the order of CREDENTIALS_COLUMNS."""
        a = self.account
        return (
            a.vin,
            a.username,
            self.password,
            a.client_id,
            a.topic,
            self.broker_host,
            str(self.broker_port),
        )


def vehicle_account(vin: str, *, topic_root: str) -> VehicleAccount:
    """Return the broker account of `vin` under `topic_root`; raise InvalidVin for anything but a VIN."""
    if not is_valid_vin(vin):
        raise InvalidVin(f"{vin!r} is not a VIN (17 characters, digits and capitals without I, O, Q)")
    return VehicleAccount(
        vin=vin,
        username=vin,
        client_id=vin,  # the broker makes every client id its user name (use_username_as_clientid)
        rolename=VEHICLE_ROLE_PREFIX + vin,
        topic=f"{topic_root}/{vin}/telemetry",  # core.contracts.telemetry_topic, kept pure here
    )


def new_password() -> str:
    """Return a fresh random broker password (from the operating system's CSPRNG)."""
    return secrets.token_urlsafe(PASSWORD_BYTES)
