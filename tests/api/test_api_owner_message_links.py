"""Every owner message carries the owner page link (docs/messages.md): progress, survey and all-clear messages are
kept as queued and get a link minted at delivery, before their sign-off, in the owner's language; each link opens
the page of that car, and a car that changed hands since the message was queued gets no link."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import structlog

from core.db import query
from core.settings import OwnerLinkSettings
from domain.evidence import parse_evidence
from domain.vocabulary import RiskKind
from notify.channels import InAppChannel
from notify.compose import Message, Notice, Recipient, compose, with_link
from notify.outbox import run_outbox
from notify.progress import run_progress
from notify.sql import INSERT_MESSAGE
from tests.api.browser import future_slots  # noqa: F401 (fixture)
from tests.api.conftest import AFTERCARE_NOW, add_customer, run_aftercare, serviced

LOG = structlog.get_logger()
LINKS = OwnerLinkSettings(public_url="https://cc.example.com", ttl_days=7)
LINK = r"https://cc\.example\.com(/o/ol_[A-Za-z0-9_-]{43})"
LEADS = {
    "zh-CN": {
        "progress_checked_in": "查看到店进度和预约详情：",
        "progress_ready": "查看到店进度和预约详情：",
        "survey": "在手机上直接作答、查看本次到店记录：",
        "all_clear": "查看检测图表和车辆详情：",
    },
    "en": {
        "progress_checked_in": "Follow the visit and your booking: ",
        "progress_ready": "Follow the visit and your booking: ",
        "survey": "Answer on your phone and see this visit: ",
        "all_clear": "See the chart and your car's details: ",
    },
}
SIGN_OFF = {"zh-CN": "此致\nCarecast 服务团队\n", "en": "Kind regards,\nYour Carecast service team\n"}


def _queue_all_clear(conn, world, *, locale: str) -> None:
    """Queue the all-clear of A's brake risk as the notify pass writes it (compose, purpose all_clear)."""
    risk = conn.execute(
        "SELECT id, evidence FROM risk WHERE vehicle_id = %s AND kind = 'brake_pads'", (world.vehicle_a,)
    ).fetchone()
    notice = Notice(
        kind=RiskKind.BRAKE_PADS,
        severity="medium",
        diagnosis="pads_worn",
        evidence=parse_evidence("brake_pads", risk[1]),
        predicted_date=None,
        predicted_low=None,
        predicted_high=None,
        vehicle_model="Aion S",
        vin=world.vin_a,
    )
    recipient = Recipient("Li Na", locale, "Asia/Shanghai", None)
    message = compose(notice, recipient=recipient, options=[], now=AFTERCARE_NOW, purpose="all_clear")
    conn.execute(
        query(INSERT_MESSAGE),
        {
            "risk_id": risk[0],
            "vehicle_id": world.vehicle_a,
            "customer_id": world.customer_a,
            "purpose": "all_clear",
            "locale": message.locale,
            "channel": "in_app",
            "subject": message.subject,
            "body": message.body,
            "send_after": AFTERCARE_NOW,
            "severity": None,
            "now": AFTERCARE_NOW,
        },
    )


def _next_noon() -> datetime:
    noon = datetime.now(ZoneInfo("Asia/Shanghai")).replace(hour=12, minute=0, second=0, microsecond=0)
    return (noon + timedelta(days=1)).astimezone(UTC)


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_progress_survey_and_all_clear_carry_a_link_that_opens_the_page(
    client,
    conn,
    world,
    future_slots,  # noqa: F811
    locale,
):
    conn.execute("UPDATE customer SET locale = %s WHERE id = %s", (locale, world.customer_a))
    serviced(client, world)  # accepted, checked in, completed: two progress steps
    assert run_progress(conn, now=datetime.now(UTC), log=LOG).queued == 2
    assert run_aftercare(conn, now=AFTERCARE_NOW, log=LOG).surveys == 1
    _queue_all_clear(conn, world, locale=locale)
    queued = dict(
        conn.execute("SELECT purpose, body FROM care_message WHERE purpose <> 'first_notice'").fetchall()
    )
    assert set(queued) == set(LEADS[locale]) and not any("/o/" in body for body in queued.values())

    report = run_outbox(conn, channels={"in_app": InAppChannel(conn)}, now=_next_noon(), log=LOG, links=LINKS)
    assert report.dispatched == 1 and report.delivered == 1
    (inbox,) = conn.execute(
        "SELECT body FROM inbox_item WHERE customer_id = %s", (world.customer_a,)
    ).fetchone()
    for purpose, lead in LEADS[locale].items():
        (body,) = conn.execute("SELECT body FROM care_message WHERE purpose = %s", (purpose,)).fetchone()
        found = re.search(re.escape(lead) + LINK + r"\n\n" + re.escape(SIGN_OFF[locale]) + r"\Z", body)
        assert found, body  # the link line, then the sign-off: what the owner got is what is kept
        assert found.group(0).splitlines()[0] in inbox
        page = client.get(found.group(1))
        assert page.status_code == 200, purpose
        assert world.vin_a[-6:] in page.text or "Li Na" in page.text
    created = conn.execute(
        "SELECT created_by, customer_id, count(*) FROM owner_link GROUP BY 1, 2"
    ).fetchall()
    assert created == [("notify", world.customer_a, 5)]  # the first notice and the four above: one each


def test_no_link_when_the_car_changed_hands_since_the_message_was_queued(client, conn, world, future_slots):  # noqa: F811
    serviced(client, world)
    assert run_progress(conn, now=datetime.now(UTC), log=LOG).queued == 2
    buyer = add_customer(conn, name="Buyer", center_id=world.center_a)
    conn.execute("UPDATE vehicle SET customer_id = %s WHERE id = %s", (buyer, world.vehicle_a))
    run_outbox(conn, channels={"in_app": InAppChannel(conn)}, now=_next_noon(), log=LOG, links=LINKS)
    bodies = [r[0] for r in conn.execute("SELECT body FROM care_message WHERE purpose LIKE 'progress_%'")]
    assert bodies and not any("/o/" in b for b in bodies)
    assert conn.execute("SELECT count(*) FROM owner_link").fetchone()[0] == 0


def test_the_link_line_goes_before_the_sign_off_or_last_when_there_is_none():
    message = Message("en", "Hi", "Hello,\n\nyour car is ready.\n\nKind regards,\nThe team\n")
    linked = with_link(message, purpose="progress_ready", link="https://x/o/ol_a")
    assert linked.body == (
        "Hello,\n\nyour car is ready.\n\nFollow the visit and your booking: https://x/o/ol_a\n\n"
        "Kind regards,\nThe team\n"
    )
    one = with_link(Message("zh-CN", "好", "您好\n"), purpose="survey", link="https://x/o/ol_b")
    assert one.body == "您好\n\n在手机上直接作答、查看本次到店记录：https://x/o/ol_b\n"
    with pytest.raises(ValueError):
        with_link(Message("fr", "", ""), purpose="survey", link="x")
