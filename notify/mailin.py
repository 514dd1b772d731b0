"""``carecast mail-in``: a small SMTP server that receives owners' e-mail replies and puts them on the center's feed.

Every care e-mail carries ``Reply-To: reply+<dispatch id>.<MAC>@<reply domain>`` (notify/channels.py,
core/messaging.py). Point the reply domain's MX (or a forwarding rule of the mail system) at this server. It
accepts mail only for reply addresses whose MAC verifies (anything else is refused at RCPT, so it is no open
relay), refuses messages over CARECAST_MESSAGES__MAILIN_MAX_BYTES, takes the plain-text part, drops the quoted
original below the answer, and stores the text (cut to CARECAST_MESSAGES__REPLY_MAX_CHARS) as an ``owner_reply``
item on the feed of the center of the dispatch's case. A redelivered mail (same Message-ID) lands once.
"""

from __future__ import annotations

import hashlib
import re
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import parseaddr

import click
import structlog
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from core.cli import CONTEXT_SETTINGS, run_command
from core.db import connect
from core.log import configure_logging
from core.messaging import Reply, dispatch_of, record_reply, target_of_dispatch
from core.service import STOP_POLL_S, StopSignals
from core.settings import DatabaseSettings
from notify.settings import MailInSettings

# A line that starts the quoted original in common mail clients ("On … wrote:", "在 … 写道：", "-----Original").
_QUOTE_START = re.compile(r"^(On .+ wrote:|在.+写道[:：]|-{2,}\s*Original Message\s*-{2,}|-{5,})\s*$", re.I)


def reply_text(message: EmailMessage) -> str:
    """Return the answer of a reply mail: its plain-text part (else the HTML part's text) without the quoted
    original."""
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    content = part.get_content() if isinstance(part, EmailMessage) else ""
    if part.get_content_type() == "text/html":
        content = re.sub(r"<[^>]+>", " ", content)
    kept: list[str] = []
    for line in content.splitlines():
        if _QUOTE_START.match(line.strip()):
            break
        if not line.startswith(">"):
            kept.append(line.rstrip())
    return "\n".join(kept).strip()


class ReplyHandler:
    """aiosmtpd handler: RCPT only to verified reply addresses; DATA stores the reply on the center's feed."""

    def __init__(
        self,
        *,
        database: DatabaseSettings,
        secret: bytes,
        max_chars: int,
        log: structlog.stdlib.BoundLogger,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._database, self._secret, self._max_chars, self._log, self._clock = (
            database,
            secret,
            max_chars,
            log,
            clock,
        )

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        """Accept a recipient that is a verified reply address, refuse everything else."""
        if dispatch_of(self._secret, address) is None:
            return "550 5.1.1 no such reply address"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        """Store the reply for each (verified) recipient; 554 when no case can be found for any of them."""
        raw = envelope.original_content or envelope.content or b""
        data = raw if isinstance(raw, bytes) else raw.encode()
        return self.store(data, recipients=envelope.rcpt_tos, sender=envelope.mail_from or "")

    def store(self, data: bytes, *, recipients: Sequence[str], sender: str) -> str:
        """Parse one mail and put it on the feed; return the SMTP answer."""
        message = message_from_bytes(data, policy=policy.default)
        assert isinstance(message, EmailMessage)
        text = reply_text(message)
        ref = (
            str(message.get("Message-ID") or "").strip()
            or f"<{hashlib.sha256(data).hexdigest()[:32]}@mail-in>"
        )
        sender = parseaddr(str(message.get("From") or sender))[1] or sender
        now = self._clock()
        stored = routed = 0
        with connect(self._database, autocommit=True) as conn:
            for address in recipients:
                dispatch_id = dispatch_of(self._secret, address)
                if dispatch_id is None:
                    continue
                target = target_of_dispatch(conn, dispatch_id=dispatch_id)
                if target is None:
                    continue
                routed += 1
                reply = Reply("email", f"{dispatch_id}:{ref}", text, sender, now, dispatch_id)
                stored += record_reply(conn, target=target, reply=reply, max_chars=self._max_chars)
        self._log.info(
            "notify.mail_in", recipients=len(recipients), routed=routed, stored=stored, chars=len(text)
        )
        return "250 OK" if routed else "554 5.7.1 this conversation is closed"


def start(settings: MailInSettings, *, log: structlog.stdlib.BoundLogger) -> Controller:
    """Start the SMTP server in its own thread and return its controller (stop() to end it)."""
    secret = settings.messages.reply_secret
    if secret is None:
        raise click.UsageError("CARECAST_MESSAGES__REPLY_SECRET is not set: no reply address can be verified")
    handler = ReplyHandler(
        database=settings.database,
        secret=secret.get_secret_value().encode(),
        max_chars=settings.messages.reply_max_chars,
        log=log,
    )
    controller = Controller(
        handler,
        hostname=settings.messages.mailin_host,
        port=settings.messages.mailin_port,
        data_size_limit=settings.messages.mailin_max_bytes,
        server_hostname=settings.messages.reply_domain,
    )
    controller.start()
    return controller


@click.command(name="mail-in", context_settings=CONTEXT_SETTINGS)
def command() -> int:
    """Receive owners' e-mail replies and put them on their center's feed.

    Listens on CARECAST_MESSAGES__MAILIN_HOST:MAILIN_PORT until SIGTERM or Ctrl-C; accepts mail only for the
    signed reply addresses care e-mails carry (CARECAST_MESSAGES__REPLY_SECRET, REPLY_DOMAIN).
    """
    settings = MailInSettings()
    log = configure_logging(settings.log, process="mail-in")
    controller = start(settings, log=log)
    log.info("notify.mail_in_started", host=settings.messages.mailin_host, port=settings.messages.mailin_port)
    stop = StopSignals().install()
    try:
        while not stop.requested:
            time.sleep(STOP_POLL_S)
    finally:
        controller.stop()
    log.info("notify.mail_in_stopped")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the mail-in server; return the process exit code."""
    return run_command(command, argv)


if __name__ == "__main__":
    sys.exit(main())
