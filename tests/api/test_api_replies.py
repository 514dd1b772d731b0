"""Owners' replies reach the center (docs/messages.md): a care e-mail carries a signed Reply-To; the owner's
answer, sent to the real mail-in SMTP server (`carecast mail-in`, on a free port), lands on the center's feed as
an owner_reply item, read through the API; a forged reply address is refused at RCPT, a redelivery lands once."""

from __future__ import annotations

import json
import smtplib
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage

import pytest
import structlog

from core.messaging import MessagingSettings
from notify.channels import EmailChannel, InAppChannel
from notify.mailin import start
from notify.outbox import run_outbox
from notify.settings import MailInSettings
from tests.api.conftest import BASE
from tests.conftest import free_port
from tests.smtp_server import Inbox, smtp_server

LOG = structlog.get_logger()
SECRET = "test-reply-secret"
DOMAIN = "reply.carecast.test"


@pytest.fixture
def relay() -> Iterator[tuple[int, Inbox]]:
    """The owner's mail provider: a real SMTP server that keeps the care e-mails."""
    with smtp_server() as server:
        yield server


@pytest.fixture
def mail_in(database) -> Iterator[int]:
    """Carecast's own inbound server, as `carecast mail-in` runs it."""
    port = free_port()
    settings = MailInSettings(
        database=database,
        messages=MessagingSettings(
            reply_secret=SECRET, reply_domain=DOMAIN, mailin_port=port, reply_max_chars=200
        ),
    )
    controller = start(settings, log=LOG)
    yield port
    controller.stop()


def _reply(port: int, *, to: str, text: str, message_id: str = "<r1@mail.example.com>") -> None:
    mail = EmailMessage()
    mail["From"] = "Li Na <li@example.com>"
    mail["To"] = to
    mail["Subject"] = "Re: 蓄电池需要检查"
    mail["Message-ID"] = message_id
    mail.set_content(text)
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        smtp.send_message(mail)


def test_email_reply_lands_in_the_centers_feed(client, world, conn, relay, mail_in) -> None:
    relay_port, inbox = relay
    conn.execute(
        "UPDATE customer SET channels = %s WHERE id = %s",
        (json.dumps({"email": "li@example.com"}), world.customer_a),
    )
    conn.execute(
        "INSERT INTO customer_consent (customer_id, channel, granted) VALUES (%s, 'email', true)",
        (world.customer_a,),
    )
    email = EmailChannel(
        host="127.0.0.1", port=relay_port, sender="care@carecast.test", reply_secret=SECRET.encode(),
        reply_domain=DOMAIN,
    )  # fmt: skip
    report = run_outbox(conn, channels={"in_app": InAppChannel(conn), "email": email}, now=BASE + timedelta(hours=2),
                        log=LOG)  # fmt: skip
    assert report.delivered == 2
    reply_to = inbox.messages[0]["Reply-To"]
    assert reply_to.startswith("reply+") and reply_to.endswith(f"@{DOMAIN}")

    answer = "周六上午可以吗？我想顺便换一下雨刮。\n\nOn Fri, 20 Nov 2026 Carecast wrote:\n> 蓄电池需要检查"
    _reply(mail_in, to=reply_to, text=answer)
    _reply(mail_in, to=reply_to, text=answer)  # the provider redelivers: it lands once

    feed = client.get(
        f"/v1/service-centers/{world.center_a}/feed", headers={"Authorization": f"Bearer {world.key_a}"}
    )
    assert feed.status_code == 200
    items = [i for i in feed.json()["items"] if i["kind"] == "owner_reply"]
    assert len(items) == 1
    item = items[0]
    assert (item["reason"], item["risk_id"], item["vin"]) == ("email_reply", world.risk_a, world.vin_a)
    assert item["detail"]["text"] == "周六上午可以吗？我想顺便换一下雨刮。"
    assert (item["detail"]["channel"], item["detail"]["from"]) == ("email", "li@example.com")
    other = client.get(
        f"/v1/service-centers/{world.center_b}/feed", headers={"Authorization": f"Bearer {world.key_b}"}
    )
    assert all(i["kind"] != "owner_reply" for i in other.json()["items"])

    # a long answer is cut to the configured size
    _reply(mail_in, to=reply_to, text="长" * 1000, message_id="<r2@mail.example.com>")
    texts = [i["detail"]["text"] for i in client.get(
        f"/v1/service-centers/{world.center_a}/feed", headers={"Authorization": f"Bearer {world.key_a}"}
    ).json()["items"] if i["kind"] == "owner_reply"]  # fmt: skip
    assert len(texts) == 2 and len(texts[1]) == 200


def test_forged_reply_address_is_refused(world, mail_in) -> None:
    forged = f"reply+1.{'0' * 24}@{DOMAIN}"
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        _reply(mail_in, to=forged, text="hello")
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        _reply(mail_in, to="someone@example.com", text="relay me")
