"""POST /v1/admin/import/{entity}: admin keys only, CSV or JSON Lines bodies, the import report; bad rows are a
422 carrying the report, never a 500."""

from __future__ import annotations

import json

from tests.core.masterdata.conftest import CENTERS_CSV, PARTS_CSV

URL = "/v1/admin/import"


def bearer(secret: str, content_type: str = "text/csv") -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}", "Content-Type": content_type}


def test_an_admin_key_imports_a_csv_and_a_second_time_changes_nothing(client, world, conn):
    resp = client.post(f"{URL}/parts", content=PARTS_CSV, headers=bearer(world.admin_key))
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert (body["created"], body["written"], body["entity"]) == (2, True, "parts")
    again = client.post(f"{URL}/parts", content=PARTS_CSV, headers=bearer(world.admin_key)).json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 2)
    assert conn.execute("SELECT count(*) FROM part WHERE price IS NOT NULL").fetchone() == (2,)


def test_json_lines_dry_run_writes_nothing(client, world, conn):
    rows = "".join(json.dumps({"sku": f"P{i}", "name": "x"}) + "\n" for i in range(3))
    resp = client.post(
        f"{URL}/parts",
        params={"dry_run": "true"},
        content=rows,
        headers=bearer(world.admin_key, "application/x-ndjson"),
    )
    assert resp.status_code == 200 and resp.json()["created"] == 3 and not resp.json()["written"]
    assert conn.execute("SELECT count(*) FROM part").fetchone() == (0,)


def test_bad_rows_are_a_422_with_the_report_and_skip_bad_writes_the_rest(client, world, conn):
    text = CENTERS_CSV.replace("Asia/Shanghai", "Asia/Nowhere")
    resp = client.post(f"{URL}/centers", content=text, headers=bearer(world.admin_key))
    assert resp.status_code == 422
    body = resp.json()
    assert body["error"]["code"] == "bad_rows"
    assert body["report"]["errors"] == [
        {"line": 3, "field": "tz", "reason": body["report"]["errors"][0]["reason"]}
    ]
    assert "Asia/Nowhere" in body["report"]["errors"][0]["reason"]
    skipped = client.post(
        f"{URL}/centers", params={"skip_bad": "true"}, content=text, headers=bearer(world.admin_key)
    )
    assert skipped.status_code == 200
    assert skipped.json()["examples"]["updated"] == ["HRB01"]  # the world's HRB01, now with the file's values
    assert conn.execute("SELECT name FROM service_center WHERE code = 'HRB01'").fetchone() == (
        "Harbin Daoli 4S",
    )


def test_a_center_key_gets_403_and_nothing_is_read(client, world, conn):
    resp = client.post(f"{URL}/parts", content=PARTS_CSV, headers=bearer(world.key_a))
    assert resp.status_code == 403
    assert (
        client.post(f"{URL}/parts", content=PARTS_CSV, headers={"Content-Type": "text/csv"}).status_code
        == 401
    )
    assert conn.execute("SELECT count(*) FROM part").fetchone() == (0,)


def test_wrong_content_type_unknown_entity_and_database_refusal_are_not_500s(client, world):
    assert (
        client.post(
            f"{URL}/parts", content="{}", headers=bearer(world.admin_key, "application/json")
        ).status_code
        == 415
    )
    assert (
        client.post(f"{URL}/planets", content=PARTS_CSV, headers=bearer(world.admin_key)).status_code == 422
    )
    nul = json.dumps({"sku": "P\u0000", "name": "x"}) + "\n"
    resp = client.post(f"{URL}/parts", content=nul, headers=bearer(world.admin_key, "application/x-ndjson"))
    assert resp.status_code == 422 and resp.json()["error"]["code"] == "refused_by_database"
    big = "sku,name\n" + "".join(f"P{i},{'x' * 100}\n" for i in range(1000))
    assert client.post(f"{URL}/parts", content=big, headers=bearer(world.admin_key)).status_code == 413
