"""The request's connection: a write is committed before its response leaves, against a real uvicorn."""

from __future__ import annotations

import httpx


def test_a_write_is_committed_before_the_client_gets_its_answer(live_api, world, conn):
    # Make the COMMIT of a webhook registration take a second (a deferred trigger runs at commit time): an answer
    # sent before the commit would reach the client while the row is still invisible to everyone else.
    conn.execute(
        "CREATE FUNCTION test_slow_commit() RETURNS trigger LANGUAGE plpgsql AS"
        " $$ BEGIN PERFORM pg_sleep(1); RETURN NULL; END $$"
    )
    conn.execute(
        "CREATE CONSTRAINT TRIGGER test_slow_commit AFTER INSERT ON center_webhook"
        " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION test_slow_commit()"
    )
    resp = httpx.post(
        f"{live_api}/v1/service-centers/{world.center_a}/webhooks",
        headers={"Authorization": f"Bearer {world.key_a}"},
        json={"url": "https://dms.example.com/hooks"},
        timeout=10,
    )
    assert resp.status_code == 201, resp.text
    # the client's own next read, or anyone else's, sees the write
    assert conn.execute("SELECT count(*) FROM center_webhook").fetchone()[0] == 1
