"""The request id: echoed when sane, made up otherwise, on every response (errors, 413, the feed's fast path) and
on every log line of the request; uvicorn's own lines are JSON lines like ours."""

from __future__ import annotations

import io
import json
import re
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog
from fastapi.testclient import TestClient

from api.app import create_app
from api.ops.request_id import request_id
from api.settings import ApiOptions, ApiSettings
from api.state import app_state
from core.settings import DatabaseSettings, LogSettings
from tests.api_server import ServedApi, serve_api
from tests.conftest import wait_for

GENERATED = re.compile(r"[0-9a-f]{32}")


class Lines(io.StringIO):
    def take(self) -> list[dict]:
        """Return the JSON lines written since the last take."""
        text, _ = self.getvalue(), (self.seek(0), self.truncate())
        return [json.loads(line) for line in text.splitlines() if line.strip()]


@pytest.fixture
def logs() -> Lines:
    return Lines()


@pytest.fixture
def json_client(database: DatabaseSettings, logs: Lines) -> Iterator[TestClient]:
    """A started client whose app logs JSON at INFO into `logs`."""
    settings = ApiSettings(
        database=database,
        log=LogSettings(level="INFO", format="json"),
        api=ApiOptions(readiness_timeout_s=1.0, cookie_secure=False),
    )
    app = create_app(settings)
    # Before the app's loggers are first used (and cached): their lines go to `logs`.
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(file=logs))
    with TestClient(app) as client:
        yield client


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("abc-123_X.y", True),
        ("a" * 64, True),
        ("a" * 65, False),
        ("bad id", False),
        ("ü", False),
        ("", False),
    ],
)
def test_only_a_sane_incoming_id_is_kept(sent: str, kept: bool) -> None:
    got = request_id([(b"x-request-id", sent.encode())])
    assert (got == sent) is kept
    if not kept:
        assert GENERATED.fullmatch(got)


def test_a_sane_id_is_echoed_and_an_insane_one_replaced(json_client: TestClient) -> None:
    assert (
        json_client.get("/livez", headers={"X-Request-ID": "lb-42.a_b"}).headers["x-request-id"]
        == "lb-42.a_b"
    )
    replaced = json_client.get("/livez", headers={"X-Request-ID": "x" * 65}).headers["x-request-id"]
    assert GENERATED.fullmatch(replaced)


def test_an_id_is_made_up_per_request_when_none_is_sent(json_client: TestClient) -> None:
    first, second = (json_client.get("/livez").headers["x-request-id"] for _ in range(2))
    assert GENERATED.fullmatch(first) and GENERATED.fullmatch(second) and first != second


def test_a_404_and_a_413_carry_the_id(json_client: TestClient) -> None:
    missing = json_client.get("/no-such-page", headers={"X-Request-ID": "r404"})
    assert (missing.status_code, missing.headers["x-request-id"]) == (404, "r404")
    big = json_client.post("/v1/service-centers/1/webhooks", content=b"x" * (65 * 1024),
                           headers={"X-Request-ID": "r413", "Content-Type": "application/json"})  # fmt: skip
    assert (big.status_code, big.headers["x-request-id"]) == (413, "r413")


def test_a_feed_page_from_the_fast_path_carries_the_id(json_client: TestClient, world) -> None:
    wait_for(lambda: app_state(json_client.app).feed_listener.listening, what="the feed listener")
    path = f"/v1/service-centers/{world.center_a}/suggested-bookings"
    auth = {"Authorization": f"Bearer {world.key_a}"}
    assert json_client.get(path, headers=auth).status_code == 200  # fills the cache
    assert app_state(json_client.app).pages.get(
        world.center_a, (0, 50, "suggested", None), now=time.monotonic()
    )
    fast = json_client.get(path, headers={**auth, "X-Request-ID": "feed-1"})
    assert (fast.status_code, fast.headers["x-request-id"]) == (200, "feed-1")


def test_the_access_line_carries_the_id(json_client: TestClient, logs: Lines) -> None:
    assert any(line["event"] == "api_started" for line in logs.take())
    json_client.get("/no-such-page", headers={"X-Request-ID": "trace-me"})
    [access] = [line for line in logs.take() if line["event"] == "request"]
    assert access["request_id"] == "trace-me" and access["status"] == 404
    json_client.get("/livez")
    [access] = [line for line in logs.take() if line["event"] == "request"]
    assert GENERATED.fullmatch(access["request_id"])


@pytest.fixture
def served(database: DatabaseSettings, tmp_path: Path) -> Iterator[ServedApi]:
    """A real `python -m api` logging JSON at INFO, stderr to a file; stopped afterwards."""
    env = {"CARECAST_LOG__FORMAT": "json", "CARECAST_LOG__LEVEL": "INFO"}
    with serve_api(database.url, log=tmp_path / "api.err", env=env) as api:
        yield api


def test_uvicorn_lines_join_the_json_log(served: ServedApi) -> None:
    url, err, proc = served.url, served.log, served.process
    request = urllib.request.Request(f"{url}/livez", headers={"X-Request-ID": "real-1"})
    with urllib.request.urlopen(request, timeout=5) as resp:
        assert resp.headers["X-Request-ID"] == "real-1"
    proc.terminate()
    proc.wait(timeout=15)
    text = err.read_text()
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]  # every line is JSON
    events = [line["event"] for line in lines]
    assert any(e.startswith("Uvicorn running on http://127.0.0.1:") for e in events), text
    assert "Application startup complete." in events, text
    uvicorn_line = next(line for line in lines if line["event"] == "Application startup complete.")
    assert uvicorn_line["logger"] == "uvicorn.error" and uvicorn_line["level"] == "info"
    assert uvicorn_line["process"] == "api" and "timestamp" in uvicorn_line
    # Ours stays the only access line: one per request, with the id.
    access = [line for line in lines if line["event"] == "request"]
    assert [line["request_id"] for line in access if line["route"] == "/livez"][-1] == "real-1"
    assert not any("HTTP/1.1" in e for e in events), text
