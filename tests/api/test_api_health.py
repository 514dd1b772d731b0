"""Probes, OpenAPI and the error envelope for unknown routes."""

from __future__ import annotations

import socket

from core.settings import MqttSettings


def test_livez(client):
    resp = client.get("/livez")
    assert resp.status_code == 200
    assert resp.json() == {"status": "alive"}


def test_readyz_ready_with_database_and_broker(make_client, mqtt):
    resp = make_client(mqtt).get("/readyz")
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["status"] == "ready"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["migrations"] == {"ok": True, "detail": "up to date"}
    assert body["checks"]["storage"] == {"ok": True, "detail": "postgres"}
    assert body["checks"]["broker"]["ok"] is True


def test_readyz_503_when_broker_port_is_closed(make_client):
    # A bound but not listening socket holds the port, so connecting is refused for sure.
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        port = holder.getsockname()[1]
        resp = make_client(MqttSettings(host="127.0.0.1", port=port)).get("/readyz")
    assert resp.status_code == 503
    body = resp.json()
    assert body["status"] == "not_ready"
    assert body["checks"]["broker"]["ok"] is False
    assert str(port) in body["checks"]["broker"]["detail"]
    assert body["checks"]["database"]["ok"] is True


def test_readyz_503_when_a_migration_is_pending(make_client, mqtt, conn):
    conn.execute("DELETE FROM schema_migration WHERE version = (SELECT max(version) FROM schema_migration)")
    resp = make_client(mqtt).get("/readyz")
    assert resp.status_code == 503
    assert resp.json()["checks"]["migrations"] == {"ok": False, "detail": "1 pending"}


def test_openapi_document_and_docs_page(client):
    spec = client.get("/openapi.json").json()
    assert spec["info"]["title"] == "Carecast API"
    assert spec["info"]["version"]
    assert {"service centers", "owners", "managers", "operations"} <= {t["name"] for t in spec["tags"]}
    assert not [p for p in spec["paths"] if p.startswith("/advisor")]  # the HTML pages are not the API
    feed = spec["paths"]["/v1/service-centers/{center_id}/suggested-bookings"]["get"]
    assert feed["security"] == [{"CenterApiKey": []}]
    assert feed["responses"]["422"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/ErrorResponse"
    )
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    assert spec["paths"]["/v1/vehicles/{vin}/alerts"]["get"]["security"] == [{"OwnerToken": []}]
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert "swagger" in docs.text.lower()


def test_unknown_route_and_wrong_method_use_the_error_envelope(client):
    resp = client.get("/v1/nothing-here")
    assert resp.status_code == 404
    assert resp.json()["error"]["code"] == "not_found"
    resp = client.post("/livez")
    assert resp.status_code == 405
    assert resp.json()["error"]["code"] == "method_not_allowed"
