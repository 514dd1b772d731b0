"""Bad text is a 4xx, never a 500: NUL characters are refused at validation (the database backstop maps what
still gets through), and identifiers are matched whole (a VIN with a trailing newline is not a VIN)."""

from __future__ import annotations

import json

import httpx
import psycopg
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.errors import install_error_handlers, is_unstorable_text
from api.views.advisor_text import TEXT
from core.db import connect
from tests.advisor_login import log_in, make_advisor
from tests.api.conftest import surveyed

LIMIT = 64 * 1024  # ApiOptions.max_body_bytes default


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


# -- 2. NUL characters are refused at validation, and never reach PostgreSQL as a 500. ------------------------


def _webhook(label: str | None = None, url: str = "https://dms.example.com/hooks") -> dict:
    return {"url": url} if label is None else {"url": url, "label": label}


NUL_CASES = {
    "webhook url": lambda c, w: c.post(
        f"/v1/service-centers/{w.center_a}/webhooks",
        json=_webhook(url="https://dms.example.com/a\x00b"),
        headers=bearer(w.key_a),
    ),
    "webhook label": lambda c, w: c.post(
        f"/v1/service-centers/{w.center_a}/webhooks", json=_webhook(label="DMS\x00"), headers=bearer(w.key_a)
    ),
    "part sku": lambda c, w: _complete_with_sku(c, w, "BAT\x00"),
    "idempotency key header": lambda c, w: c.post(
        f"/v1/vehicles/{w.vin_a}/booking-options/{w.suggestions_a[0]}/accept",
        headers={**bearer(w.owner_a), "Idempotency-Key": "k\x00"},
    ),
    "vin path parameter": lambda c, w: c.get(
        f"/v1/vehicles/{w.vin_a[:-1]}%00/alerts", headers=bearer(w.owner_a)
    ),
    "cursor query parameter": lambda c, w: c.get(
        f"/v1/service-centers/{w.center_a}/feed", params={"cursor": "a\x00"}, headers=bearer(w.key_a)
    ),
}


def _complete_with_sku(client: TestClient, world, sku: str) -> httpx.Response:
    base = f"/v1/service-centers/{world.center_a}/bookings/{world.suggestions_a[0]}"
    assert client.post(f"{base}/accept", headers=bearer(world.key_a)).status_code == 200
    assert client.post(f"{base}/check-in", headers=bearer(world.key_a)).status_code == 200
    body = {"outcome": "fault_confirmed", "parts_used": [{"sku": sku, "qty": 1}]}
    return client.post(f"{base}/complete", json=body, headers=bearer(world.key_a))


@pytest.mark.parametrize("case", sorted(NUL_CASES))
def test_nul_in_any_text_field_is_a_validation_error(client, world, case):
    resp = NUL_CASES[case](client, world)
    assert resp.status_code == 422, resp.text
    assert resp.json()["error"]["code"] == "validation_error"


@pytest.mark.parametrize("where", ["comment", "question id"])
def test_nul_in_a_survey_answer_is_a_validation_error(client, world, conn, where):
    url, answers = surveyed(client, world, conn)
    text_id = next(k for k, v in answers.items() if isinstance(v, str))
    if where == "comment":
        answers[text_id] = "Quick\x00 and friendly"
    else:
        answers["q\x00"] = 3
    resp = client.post(url, json={"answers": answers}, headers=bearer(world.owner_a))
    assert resp.status_code == 422, resp.text
    assert "NUL" in resp.json()["error"]["message"]
    # The survey is still open: a clean answer goes through.
    answers.pop("q\x00", None)
    answers[text_id] = "Quick and friendly"
    assert client.post(url, json={"answers": answers}, headers=bearer(world.owner_a)).status_code == 200


def test_the_database_refusing_text_is_a_4xx_not_a_500(database):
    """The backstop in api/errors.py, for text no validation caught: NUL (refused by psycopg) and \\u0000 in jsonb
    (refused by PostgreSQL) answer 422; any other data error is still a 500."""
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/echo/{kind}")
    def echo(kind: str) -> dict:
        statements = {
            "text": ("SELECT %s::text", ["a\x00b"]),
            "jsonb": ("SELECT %s::jsonb", [json.dumps({"a": "x\x00"})]),
            "division": ("SELECT 1 / %s", [0]),
        }
        with connect(database) as conn:
            conn.execute(*statements[kind])
        return {}

    with TestClient(app, raise_server_exceptions=False) as http:
        for kind in ("text", "jsonb"):
            resp = http.get(f"/echo/{kind}")
            assert (resp.status_code, resp.json()["error"]["code"]) == (422, "invalid_text"), kind
        assert http.get("/echo/division").status_code == 500


def test_which_database_errors_count_as_unstorable_text(conn):
    with pytest.raises(psycopg.DataError) as nul:
        conn.execute("SELECT %s::text", ["a\x00b"])
    with pytest.raises(psycopg.DataError) as division:
        conn.execute("SELECT 1 / 0")
    assert is_unstorable_text(nul.value) and not is_unstorable_text(division.value)


# -- 3. A VIN with a trailing newline is not a VIN. ------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["%0A", "%0D%0A"])
def test_a_vin_with_a_trailing_newline_is_refused(client, world, suffix):
    resp = client.get(f"/v1/vehicles/{world.vin_a}{suffix}/alerts", headers=bearer(world.owner_a))
    assert (resp.status_code, resp.json()["error"]["code"]) == (422, "validation_error")


def test_the_advisor_board_ignores_a_refusal_code_with_a_newline(client, world, conn):
    make_advisor(conn, center_id=world.center_a, email="advisor.a@example.com")
    assert log_in(client, "advisor.a@example.com").status_code == 303
    refused = TEXT["en"]["refused"]
    assert refused in client.get("/advisor", params={"refused": "not_found", "lang": "en"}).text
    assert refused not in client.get("/advisor", params={"refused": "not_found\n", "lang": "en"}).text
