"""What the webhook tests share: the egress settings, a local receiver, a development client, registering a
subscription, writing a suggestion as notify does and running notify's push job."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import structlog
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import ApiSettings
from core.egress import EgressSettings
from core.settings import LogSettings
from notify.push import HttpPoster, deliver_pushes
from notify.signing import RetryPolicy
from tests.api.conftest import add_customer, add_risk, add_suggestion, add_vehicle, vin_for
from tests.webhook_receiver import Receiver, serving

LOG = structlog.get_logger()
RETRY = RetryPolicy(base=timedelta(seconds=30), max_attempts=3)
STRICT = EgressSettings()  # the default: public addresses only
DEV = EgressSettings(allow_loopback=True)  # CARECAST_EGRESS__ALLOW_LOOPBACK=true: this machine too


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def dev_client(database) -> Iterator[TestClient]:
    """A started client of an app with the development setting on: URLs on this machine may be registered."""
    settings = ApiSettings(database=database, log=LogSettings(level="WARNING"), egress=DEV)
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with serving(Receiver(fail_status=500)) as server:
        yield server


def hook_url(server: Receiver, path: str = "/hook") -> str:
    return server.url(path)


def subscribe(client, center_id: int, key: str, url: str, label: str | None = None) -> dict:
    resp = client.post(
        f"/v1/service-centers/{center_id}/webhooks", headers=bearer(key), json={"url": url, "label": label}
    )
    assert resp.status_code == 201, resp.text
    return resp.json()


def new_suggestion(conn, world, *, center: str) -> int:
    """Write a suggestion the way notify does (a plain INSERT); the outbox row comes with it."""
    center_id, tech = (world.center_a, world.tech_a) if center == "a" else (world.center_b, world.tech_b)
    n = conn.execute("SELECT count(*) FROM vehicle").fetchone()[0]
    customer = add_customer(conn, name=f"Owner {n}", center_id=center_id)
    vehicle = add_vehicle(conn, vin=vin_for(100 + n), customer_id=customer)
    risk = add_risk(conn, vehicle_id=vehicle, kind="winter_prep")
    return add_suggestion(
        conn,
        risk_id=risk,
        vehicle_id=vehicle,
        center_id=center_id,
        technician_id=tech,
        rank=1,
        created_at=datetime.now(UTC),
    )


def push(conn, *, now: datetime | None = None, egress: EgressSettings = DEV):
    poster = HttpPoster(egress=egress, timeout_s=5)
    return deliver_pushes(conn, poster=poster, now=now or datetime.now(UTC), retry=RETRY, log=LOG)
