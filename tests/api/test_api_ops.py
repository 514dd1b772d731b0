"""Ops: Prometheus /metrics by route template and status; per-key rate limit with 429 + Retry-After."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import ApiOptions, ApiSettings
from core.settings import LogSettings


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def _sample(text: str, name: str, **labels: str) -> float:
    for line in text.splitlines():
        match = re.fullmatch(rf"{name}\{{(.*)\}} (\S+)", line)
        if match:
            found = dict(re.findall(r'(\w+)="([^"]*)"', match.group(1)))
            if all(found.get(k) == v for k, v in labels.items()):
                return float(match.group(2))
        elif line.startswith(name + " ") and not labels:
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_metrics_count_requests_by_route_template_and_status(client, world):
    feed = f"/v1/service-centers/{world.center_a}/suggested-bookings"
    for _ in range(3):
        assert client.get(feed, headers=bearer(world.key_a)).status_code == 200
    assert (
        client.get(
            f"/v1/service-centers/{world.center_b}/suggested-bookings", headers=bearer(world.key_a)
        ).status_code
        == 403
    )
    client.get("/no/such/path")
    text = client.get("/metrics").text
    route = "/v1/service-centers/{center_id}/suggested-bookings"
    assert _sample(text, "carecast_api_requests_total", route=route, method="GET", status="200") == 3
    assert _sample(text, "carecast_api_requests_total", route=route, method="GET", status="403") == 1
    assert _sample(text, "carecast_api_requests_total", route="unmatched", status="404") == 1
    assert _sample(text, "carecast_api_request_duration_seconds_count", route=route, method="GET") == 4
    assert world.vin_a not in text


def test_rate_limit_answers_429_with_retry_after_per_key(database, world):
    settings = ApiSettings(
        database=database, log=LogSettings(level="WARNING"), api=ApiOptions(rate_per_s=0.01, rate_burst=2)
    )
    with TestClient(create_app(settings)) as client:
        feed = f"/v1/service-centers/{world.center_a}/suggested-bookings"
        assert [client.get(feed, headers=bearer(world.key_a)).status_code for _ in range(2)] == [200, 200]
        refused = client.get(feed, headers=bearer(world.key_a))
        assert refused.status_code == 429
        assert refused.json()["error"]["code"] == "rate_limited"
        assert int(refused.headers["Retry-After"]) >= 1
        # Another key has its own bucket; owners too.
        other = f"/v1/service-centers/{world.center_b}/suggested-bookings"
        assert client.get(other, headers=bearer(world.key_b)).status_code == 200
        assert client.get("/v1/me/vehicles", headers=bearer(world.owner_a)).status_code == 200
        assert _sample(client.get("/metrics").text, "carecast_api_rate_limited_total") == 1


def test_readyz_reports_the_storage_mode(make_client: Callable[..., TestClient]):
    body = make_client().get("/readyz").json()
    assert body["checks"]["storage"] == {"ok": True, "detail": "postgres"}
