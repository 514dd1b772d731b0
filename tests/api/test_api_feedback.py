"""After-visit survey and silent customers end to end on the real database: the notifier queues the survey,
the owner answers through the API, a low score reaches the center's feed at once with the case; a silent but
active car becomes an outreach task with its reason."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import structlog

from notify.aftercare import run_aftercare
from notify.survey import SCORES, TEXTS, draw

LOG = structlog.get_logger()
NOW = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def serviced(client, world) -> int:
    option = world.suggestions_a[0]
    base = f"/v1/service-centers/{world.center_a}/bookings/{option}"
    for action, body in [("accept", None), ("check-in", None), ("complete", {"outcome": "fault_confirmed"})]:
        assert client.post(f"{base}/{action}", headers=bearer(world.key_a), json=body).status_code == 200
    return option


def test_survey_draw_is_two_or_three_questions_with_one_text() -> None:
    sizes = set()
    for seed in range(50):
        questions = draw(seed)
        sizes.add(len(questions))
        assert [q.type for q in questions].count("text") == 1 and questions[-1] in TEXTS
        assert all(q in SCORES for q in questions[:-1]) and len({q.id for q in questions}) == len(questions)
        assert draw(seed) == questions  # the same case always gets the same questions
    assert sizes == {2, 3}


def test_low_score_alerts_the_center_feed_with_the_case(client, world, conn) -> None:
    serviced(client, world)
    assert run_aftercare(conn, now=NOW, log=LOG).surveys == 1
    assert run_aftercare(conn, now=NOW, log=LOG).surveys == 0  # one survey per visit
    purpose, status = conn.execute(
        "SELECT purpose, status FROM care_message WHERE purpose = 'survey'"
    ).fetchone()
    assert (purpose, status) == ("survey", "queued")

    surveys = client.get(f"/v1/vehicles/{world.vin_a}/surveys", headers=bearer(world.owner_a)).json()["items"]
    assert len(surveys) == 1 and surveys[0]["answers"] is None
    questions = surveys[0]["questions"]
    assert 3 <= len(questions) <= 4 and all(q["zh-CN"] for q in questions)  # drawn ones and the 0-10 one
    answers = {q["id"]: {"score": 2, "nps": 3}.get(q["type"], "Waited two hours") for q in questions}
    url = f"/v1/vehicles/{world.vin_a}/surveys/{surveys[0]['id']}/answers"
    bad = client.post(
        url, headers=bearer(world.owner_a), json={"answers": {**answers, questions[0]["id"]: 9}}
    )
    assert (bad.status_code, bad.json()["error"]["code"]) == (422, "invalid_answers")
    ok = client.post(url, headers=bearer(world.owner_a), json={"answers": answers})
    assert ok.status_code == 200 and ok.json()["answered_at"]
    assert client.post(url, headers=bearer(world.owner_a), json={"answers": answers}).status_code == 409

    feed = client.get(f"/v1/service-centers/{world.center_a}/feed", headers=bearer(world.key_a)).json()[
        "items"
    ]
    assert [(i["kind"], i["reason"], i["risk_id"]) for i in feed] == [
        ("low_feedback", "low_score", world.risk_a)
    ]
    assert feed[0]["detail"]["case"]["outcome"] == "fault_confirmed"
    assert set(feed[0]["detail"]["low_scores"]) == {q["id"] for q in questions if q["type"] == "score"}
    other = client.get(f"/v1/service-centers/{world.center_a}/feed", headers=bearer(world.key_b))
    assert other.status_code == 403


def test_good_scores_do_not_alert(client, world, conn) -> None:
    serviced(client, world)
    run_aftercare(conn, now=NOW, log=LOG)
    survey = client.get(f"/v1/vehicles/{world.vin_a}/surveys", headers=bearer(world.owner_a)).json()["items"][
        0
    ]
    answers = {q["id"]: 5 for q in survey["questions"] if q["type"] == "score"}
    url = f"/v1/vehicles/{world.vin_a}/surveys/{survey['id']}/answers"
    assert client.post(url, headers=bearer(world.owner_a), json={"answers": answers}).status_code == 200
    assert (
        client.get(f"/v1/service-centers/{world.center_a}/feed", headers=bearer(world.key_a)).json()["items"]
        == []
    )


def test_silent_active_car_becomes_an_outreach_task(client, world, conn) -> None:
    conn.execute("UPDATE vehicle SET created_at = %s", (NOW - timedelta(days=800),))
    for back in range(1, 21):
        conn.execute(
            "INSERT INTO telemetry_daily (vehicle_id, day, samples) VALUES (%s, %s, 6)",
            (world.vehicle_a, NOW.replace(hour=0) - timedelta(days=back)),
        )
    conn.execute(
        "INSERT INTO telemetry (vehicle_id, ts, service_km) VALUES (%s, %s, 620)",
        (world.vehicle_a, NOW - timedelta(days=1)),
    )
    assert run_aftercare(conn, now=NOW, log=LOG).outreach == 1  # car B drives on no day: not a task
    assert run_aftercare(conn, now=NOW, log=LOG).outreach == 0  # one open task per car
    feed = client.get(f"/v1/service-centers/{world.center_a}/feed", headers=bearer(world.key_a)).json()[
        "items"
    ]
    assert [(i["kind"], i["reason"], i["vin"]) for i in feed] == [
        ("outreach", "due_for_maintenance", world.vin_a)
    ]
    assert feed[0]["detail"]["text"] == "due for maintenance in ~600 km"
