"""The closed feedback loop through the API: a negative survey answer becomes an alert assigned to the customer's
advisor and e-mailed to them (through notify's e-mail channel, to a real SMTP server), moved open → acknowledged
→ contacted → resolved by center keys and on the advisor page, with goodwill; outreach tasks close with an
outcome; another center's key or advisor can do none of it."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import structlog

from notify.advisor_alerts import mail_alerts
from notify.aftercare import run_aftercare
from notify.channels import EmailChannel
from notify.signing import RetryPolicy
from tests.advisor_login import csrf, log_in, make_advisor
from tests.api.conftest import surveyed
from tests.smtp_server import smtp_server

LOG = structlog.get_logger()


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def _negative_answer(client, world, conn) -> int:
    """Service A's car, answer its survey with a 1 on the first score; return the alert's id."""
    url, answers = surveyed(client, world, conn)
    first = next(q for q in answers if isinstance(answers[q], int))
    answers[first] = 1
    assert client.post(url, headers=bearer(world.owner_a), json={"answers": answers}).status_code == 200
    return conn.execute("SELECT id FROM feedback_alert").fetchone()[0]


@pytest.fixture
def advisor_a(conn, world) -> int:
    """An advisor of center A, assigned to A's customer."""
    advisor = make_advisor(conn, center_id=world.center_a, email="wang.fang@hrb01.example", name="Wang Fang")
    conn.execute("UPDATE customer SET advisor_id = %s WHERE id = %s", (advisor, world.customer_a))
    return advisor


def test_a_negative_answer_is_assigned_to_the_advisor_and_mailed_at_once(client, world, conn, advisor_a):
    alert = _negative_answer(client, world, conn)
    row = conn.execute(
        "SELECT advisor_id, status, negative, center_id FROM feedback_alert WHERE id = %s", (alert,)
    ).fetchone()
    assert row[:2] == (advisor_a, "open") and list(row[2].values()) == [1] and row[3] == world.center_a
    [(etype, data)] = conn.execute(
        "SELECT type, data FROM center_event WHERE type LIKE 'feedback.%'"
    ).fetchall()
    assert etype == "feedback.negative" and data["alert_id"] == alert and data["advisor_id"] == advisor_a
    assert "q_comment" not in data["negative"]  # scores only, never the owner's text

    retry = RetryPolicy()
    with smtp_server() as (port, inbox):
        channel = EmailChannel(host="127.0.0.1", port=port, sender="Carecast <care@carecast.invalid>")
        now = datetime.now(UTC)
        report = mail_alerts(
            conn, email=channel, page_url="http://x/advisor/feedback", now=now, retry=retry, log=LOG
        )
        assert (report.sent, report.retrying, report.given_up) == (1, 0, 0)
        again = mail_alerts(
            conn, email=channel, page_url="http://x/advisor/feedback", now=now, retry=retry, log=LOG
        )
        assert again.sent == 0
    [message] = inbox.messages
    assert message["To"] == "wang.fang@hrb01.example"
    body = message.get_payload(decode=True).decode()
    assert "Li Na" in body and "Wang Fang" in body and "http://x/advisor/feedback" in body
    assert "q_" not in body and "1/5 !" in body  # the question in words, the bad score marked
    assert conn.execute("SELECT mail_sent_at IS NOT NULL FROM feedback_alert").fetchone()[0]


def test_an_alert_without_an_advisor_address_is_not_retried(client, world, conn):
    _negative_answer(client, world, conn)  # A's customer has no advisor
    with smtp_server() as (port, inbox):
        channel = EmailChannel(host="127.0.0.1", port=port, sender="c@carecast.invalid")
        report = mail_alerts(
            conn, email=channel, page_url="http://x", now=datetime.now(UTC), retry=RetryPolicy(), log=LOG
        )
    assert (report.sent, report.given_up) == (0, 1) and inbox.messages == []
    assert conn.execute("SELECT advisor_id, mail_detail FROM feedback_alert").fetchone() == (
        None,
        "no advisor address",
    )


def test_alert_lifecycle_for_center_keys(client, world, conn, advisor_a):
    alert = _negative_answer(client, world, conn)
    base = f"/v1/service-centers/{world.center_a}/feedback-alerts"
    listed = client.get(base, headers=bearer(world.key_a)).json()["items"]
    assert [(a["id"], a["status"], a["advisor_name"], a["customer_name"]) for a in listed] == [
        (alert, "open", "Wang Fang", "Li Na")
    ]
    negative = [a for a in listed[0]["answers"] if a["negative"]]
    assert negative and negative[0]["value"] == 1 and negative[0]["zh-CN"] and negative[0]["dimension"]
    # Another center's key sees and moves nothing.
    assert client.get(base, headers=bearer(world.key_b)).status_code == 403
    other = f"/v1/service-centers/{world.center_b}/feedback-alerts/{alert}/steps"
    assert client.post(other, headers=bearer(world.key_b), json={"action": "acknowledge"}).status_code == 404

    step = f"{base}/{alert}/steps"
    out_of_order = client.post(
        step, headers=bearer(world.key_a), json={"action": "resolve", "resolution": "apology"}
    )
    assert (out_of_order.status_code, out_of_order.json()["error"]["code"]) == (409, "step_refused")
    bad = client.post(step, headers=bearer(world.key_a), json={"action": "shrug"})
    assert bad.status_code == 422
    stranger = client.post(
        step, headers=bearer(world.key_a), json={"action": "acknowledge", "advisor_id": 999}
    )
    assert (stranger.status_code, stranger.json()["error"]["code"]) == (422, "invalid_advisor")
    for body, status in [
        ({"action": "acknowledge", "advisor_id": advisor_a}, "acknowledged"),
        ({"action": "contact", "advisor_id": advisor_a, "note": "called, car pulls left"}, "contacted"),
    ]:
        answer = client.post(step, headers=bearer(world.key_a), json=body)
        assert (answer.status_code, answer.json()["status"]) == (200, status)
    no_resolution = client.post(step, headers=bearer(world.key_a), json={"action": "resolve"})
    assert no_resolution.status_code == 409
    done = client.post(
        step, headers=bearer(world.key_a), json={"action": "resolve", "resolution": "rework_booked"}
    )
    assert done.json() == {"id": alert, "status": "resolved", "resolution": "rework_booked"}

    goodwill = f"{base}/{alert}/goodwill"
    assert (
        client.post(
            goodwill, headers=bearer(world.key_a), json={"kind": "coupon", "amount": "-5"}
        ).status_code
        == 422
    )
    gift = {"kind": "coupon", "amount": "200", "advisor_id": advisor_a, "note": "next service"}
    assert client.post(goodwill, headers=bearer(world.key_a), json=gift).status_code == 200
    assert client.post(goodwill, headers=bearer(world.key_a), json=gift).status_code == 409

    [row] = client.get(f"{base}?status=all", headers=bearer(world.key_a)).json()["items"]
    # The key named the advisor for two steps, and for the resolution nobody: the center itself.
    assert (row["acknowledged_by"], row["contacted_by"], row["resolved_by"], row["note"]) == (
        "Wang Fang",
        "Wang Fang",
        None,
        "called, car pulls left",
    )
    assert (row["goodwill_kind"], row["goodwill_amount"]) == ("coupon", 200.0)
    assert client.get(base, headers=bearer(world.key_a)).json()["items"] == []  # resolved: off the open list
    # The low-feedback feed item is settled with it; feedback.resolved went out; every step was audited.
    assert conn.execute("SELECT status FROM center_feed_item WHERE kind = 'low_feedback'").fetchone() == (
        "done",
    )
    resolved = conn.execute("SELECT data FROM center_event WHERE type = 'feedback.resolved'").fetchone()[0]
    assert resolved["resolution"] == "rework_booked" and resolved["alert_id"] == alert
    actions = [
        r[0]
        for r in conn.execute(
            "SELECT action FROM advisor_audit WHERE action LIKE 'feedback.%' ORDER BY id"
        ).fetchall()
    ]
    assert actions == ["feedback.acknowledge", "feedback.contact", "feedback.resolve", "feedback.goodwill"]

    metrics = client.get(
        f"/v1/service-centers/{world.center_a}/feedback-metrics", headers=bearer(world.key_a)
    )
    loop = metrics.json()["loop"]
    assert (loop["alerts"], loop["open"], loop["resolved"], loop["recovery_rate"]) == (1, 0, 1, 0.0)
    assert [a["advisor_id"] for a in metrics.json()["advisors"]] == [advisor_a]
    report = client.get("/v1/manager/report", headers=bearer(world.admin_key)).json()
    [center_a] = [c for c in report["centers"] if c["center_id"] == world.center_a]
    assert center_a["feedback"]["loop"]["resolved"] == 1 and set(center_a["feedback"]["dimensions"]) == {
        "efficiency",
        "expertise",
        "experience",
    }


def test_outreach_tasks_close_with_an_outcome(client, world, conn):
    task = conn.execute(
        "INSERT INTO center_feed_item (center_id, kind, vehicle_id, reason, detail, created_at) "
        "VALUES (%s, 'outreach', %s, 'no_visit', '{\"months\": 14}', now()) RETURNING id",
        (world.center_a, world.vehicle_a),
    ).fetchone()[0]
    base = f"/v1/service-centers/{world.center_a}/outreach"
    assert [t["id"] for t in client.get(base, headers=bearer(world.key_a)).json()["items"]] == [task]
    assert (
        client.post(
            f"{base}/{task}/outcome", headers=bearer(world.key_a), json={"outcome": "maybe"}
        ).status_code
        == 422
    )
    b_url = f"/v1/service-centers/{world.center_b}/outreach/{task}/outcome"
    assert client.post(b_url, headers=bearer(world.key_b), json={"outcome": "booked"}).status_code == 404
    closed = client.post(
        f"{base}/{task}/outcome",
        headers=bearer(world.key_a),
        json={"outcome": "booked", "note": "Saturday 9:00"},
    )
    assert (closed.status_code, closed.json()["outcome"], closed.json()["outcome_note"]) == (
        200,
        "booked",
        "Saturday 9:00",
    )
    again = client.post(f"{base}/{task}/outcome", headers=bearer(world.key_a), json={"outcome": "booked"})
    assert again.status_code == 404
    assert client.get(base, headers=bearer(world.key_a)).json()["items"] == []
    data = conn.execute("SELECT data FROM center_event WHERE type = 'outreach.outcome'").fetchone()[0]
    assert (data["task_id"], data["outcome"], data["reason"]) == (task, "booked", "no_visit")


def test_the_advisor_page_shows_answers_in_words_and_moves_the_alert(client, world, conn, advisor_a):
    alert = _negative_answer(client, world, conn)
    other = make_advisor(conn, center_id=world.center_b, email="li.lei@sha01.example", name="Li Lei")
    assert other
    # Another center's advisor sees nothing of it and cannot act on it.
    assert log_in(client, "li.lei@sha01.example").status_code == 303
    page = client.get("/advisor/feedback?scope=team&lang=en")
    assert page.status_code == 200 and "Li Na" not in page.text
    token = csrf(client)
    refused = client.post(
        f"/advisor/feedback/alerts/{alert}/steps/acknowledge",
        data={"csrf_token": token, "scope": "team"},
        follow_redirects=False,
    )
    assert refused.status_code == 303 and "refused=not_found" in refused.headers["location"]
    assert conn.execute("SELECT status FROM feedback_alert").fetchone() == ("open",)
    client.cookies.clear()

    assert log_in(client, "wang.fang@hrb01.example").status_code == 303
    page = client.get("/advisor/feedback?lang=en")
    # no question key shown (the CSRF tokens in the forms are random text that may hold "q_": left out)
    shown = re.sub(r'name="csrf_token" value="[^"]*"', "", page.text)
    assert page.status_code == 200 and "Li Na" in shown and "q_" not in shown
    assert "1 / 5" in page.text and "Acknowledge" in page.text
    zh = client.get("/advisor/feedback?lang=zh-CN")
    assert "差评跟进" in zh.text and "确认收到" in zh.text
    token = csrf(client)
    forged = client.post(
        f"/advisor/feedback/alerts/{alert}/steps/acknowledge",
        data={"csrf_token": "x"},
        follow_redirects=False,
    )
    assert "refused=invalid_form" in forged.headers["location"]
    for action, extra in [
        ("acknowledge", {}),
        ("contact", {"note": "called"}),
        ("resolve", {"resolution": "apology"}),
    ]:
        moved = client.post(
            f"/advisor/feedback/alerts/{alert}/steps/{action}",
            data={"csrf_token": token, "scope": "mine", **extra},
            follow_redirects=False,
        )
        assert moved.status_code == 303 and "done=" in moved.headers["location"], moved.headers["location"]
    row = conn.execute(
        "SELECT status, resolution, resolved_by, acknowledged_by FROM feedback_alert"
    ).fetchone()
    assert row == ("resolved", "apology", advisor_a, advisor_a)
    gift = client.post(
        f"/advisor/feedback/alerts/{alert}/goodwill",
        data={"csrf_token": token, "kind": "points", "amount": "500"},
        follow_redirects=False,
    )
    assert "done=goodwill" in gift.headers["location"]
    assert conn.execute("SELECT goodwill_kind, goodwill_amount::int FROM feedback_alert").fetchone() == (
        "points",
        500,
    )
    audit = conn.execute(
        "SELECT advisor_id, action FROM advisor_audit WHERE action LIKE 'feedback.%' ORDER BY id"
    )
    assert [r[1] for r in audit.fetchall()] == [
        "feedback.acknowledge",
        "feedback.contact",
        "feedback.resolve",
        "feedback.goodwill",
    ]
    assert "Li Na" not in client.get("/advisor/feedback?lang=en").text  # resolved: off the page


def test_a_closed_outreach_task_is_not_recreated_for_a_quarter(client, world, conn):
    """The same silent car as in test_api_feedback.py's outreach test: a task, closed with an outcome, and no new
    task on the next passes until 90 days later."""
    now = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)
    conn.execute("UPDATE vehicle SET created_at = %s", (now - timedelta(days=800),))
    for later in (0, 91):  # driven on 20 of the 30 days before each check
        for back in range(1, 21):
            conn.execute(
                "INSERT INTO telemetry_daily (vehicle_id, day, samples) VALUES (%s, %s, 6)",
                (world.vehicle_a, now.replace(hour=0) + timedelta(days=later - back)),
            )
    assert run_aftercare(conn, now=now, log=LOG).outreach == 1
    task = conn.execute("SELECT id FROM center_feed_item WHERE kind = 'outreach'").fetchone()[0]
    url = f"/v1/service-centers/{world.center_a}/outreach/{task}/outcome"
    conn.execute("UPDATE center_feed_item SET created_at = %s WHERE id = %s", (now, task))
    assert client.post(url, headers=bearer(world.key_a), json={"outcome": "declined"}).status_code == 200
    conn.execute("UPDATE center_feed_item SET closed_at = %s WHERE id = %s", (now, task))
    assert run_aftercare(conn, now=now + timedelta(days=1), log=LOG).outreach == 0
    assert run_aftercare(conn, now=now + timedelta(days=91), log=LOG).outreach == 1
