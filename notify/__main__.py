"""``carecast notify`` (``python -m notify``): take care conversations along and deliver the outbox.

Without --once the pass runs every CARECAST_NOTIFY__INTERVAL_S seconds (APScheduler 3, coalesced, never two at
once) until SIGTERM or Ctrl-C.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import click

from core.cli import CONTEXT_SETTINGS, INSTANT, run_command
from core.db import connect
from core.log import configure_logging
from core.messaging import MessagingSettings
from core.service import Job, run_periodic
from domain.workdays import ChinaCalendar
from notify.advisor_alerts import mail_alerts
from notify.aftercare import run_aftercare
from notify.channels import Channel, EmailChannel, InAppChannel, SmsChannel, WebhookChannel, WechatChannel
from notify.job import PassReport, run_pass
from notify.metrics import NotifyMetrics, read_backlog
from notify.outbox import run_outbox
from notify.progress import run_progress
from notify.push import HttpPoster, deliver_pushes
from notify.settings import NotifyOptions, NotifySettings

# Centers' webhooks are pushed this often (new suggestions, and retries once their backoff is over).
PUSH_INTERVAL_S = 5.0


def _channels(
    options: NotifyOptions, *, conn, poster: HttpPoster, messages: MessagingSettings
) -> dict[str, Channel]:
    """Return the configured channels; the in-app feed always."""
    channels: dict[str, Channel] = {"in_app": InAppChannel(conn)}
    if options.webhook_secret is not None:
        secret = options.webhook_secret.get_secret_value().encode()
        channels["webhook"] = WebhookChannel(secret, poster=poster)
    if options.smtp_host:
        reply = messages.reply_secret
        channels["email"] = EmailChannel(
            host=options.smtp_host,
            port=options.smtp_port,
            sender=options.smtp_sender,
            reply_secret=None if reply is None else reply.get_secret_value().encode(),
            reply_domain=messages.reply_domain,
        )
    if messages.sms_gateway_url and messages.sms_api_key is not None:
        channels["sms"] = SmsChannel(
            url=messages.sms_gateway_url,
            api_key=messages.sms_api_key.get_secret_value(),
            sender=messages.sms_sender,
            poster=poster,
        )
    if messages.wechat_url and messages.wechat_secret is not None:
        secret = messages.wechat_secret.get_secret_value().encode()
        channels["wechat"] = WechatChannel(url=messages.wechat_url, secret=secret, poster=poster)
    return channels


@click.command(name="notify", context_settings=CONTEXT_SETTINGS)
@click.option("--once", is_flag=True, help="Run one pass and exit; status 1 if a risk failed.")
@click.option(
    "--now", type=INSTANT, help="With --once: the pass's current time (naive means UTC; default: now)."
)
def command(once: bool, now: datetime | None) -> int:
    """Turn risks into care messages and bookings, and deliver them.

    Each pass takes every open case one step along its conversation with the owner (first notice with booking
    options, reminder, escalation, "all good now"), tells owners how their visit progresses, sends feedback
    surveys after visits, and delivers the outbox (in-app, webhook, e-mail, SMS, WeChat / app push), rendering
    each message with the slots still free when it goes out, with retries; service centers' webhooks are pushed
    every few seconds. Without --once a pass runs every CARECAST_NOTIFY__INTERVAL_S seconds until SIGTERM or
    Ctrl-C.
    """
    if now is not None and not once:
        raise click.UsageError("--now only makes sense with --once")
    settings = NotifySettings()
    log = configure_logging(settings.log, process="notify")
    calendar = ChinaCalendar()
    policy = settings.notify.booking_policy()

    options = settings.notify
    # One egress-checked HTTP client for the owners' webhook channel and the centers' pushes.
    poster = HttpPoster(egress=settings.egress, timeout_s=options.webhook_timeout_s)
    metrics = NotifyMetrics()

    def one_pass(now: datetime) -> PassReport:
        with metrics.failures("pass"), connect(settings.database, autocommit=True) as conn:
            report = run_pass(
                conn,
                calendar=calendar,
                policy=policy,
                now=now,
                log=log,
                limit=options.batch_limit,
                cadence=options.cadence(),
                offer_ttl=timedelta(hours=options.offer_ttl_hours),
                verify=options.verify(),
            )
            aftercare = run_aftercare(
                conn, now=now, log=log, cadence=options.cadence(), outreach=options.outreach()
            )
            run_progress(conn, now=now, log=log, cadence=options.cadence())
            outbox = run_outbox(
                conn,
                channels=_channels(options, conn=conn, poster=poster, messages=settings.messages),
                now=now,
                log=log,
                cadence=options.cadence(),
                retry=options.retry(),
                links=settings.owner_links,
            )
            backlog = read_backlog(conn, now=now)
            metrics.observe_pass(report, aftercare=aftercare, outbox=outbox, backlog=backlog)
            return report

    # Negative feedback is e-mailed to the assigned advisor from the push job, so it leaves within seconds.
    alert_mail = None
    if options.smtp_host:
        alert_mail = EmailChannel(host=options.smtp_host, port=options.smtp_port, sender=options.smtp_sender)
    feedback_page = settings.owner_links.public_url.rstrip("/") + "/advisor/feedback"

    def push(now: datetime) -> None:
        # Webhook push to service centers: its own job and connection, so a slow receiver never delays a pass.
        with metrics.failures("push"), connect(settings.database, autocommit=True) as conn:
            metrics.observe_push(deliver_pushes(conn, poster=poster, now=now, retry=options.retry(), log=log))
            mail_alerts(
                conn, email=alert_mail, page_url=feedback_page, now=now, retry=options.retry(), log=log
            )

    if once:
        failed = one_pass(now or datetime.now(UTC)).failed
        push(datetime.now(UTC))  # the outbox rows carry real time, whatever --now says
        return 1 if failed else 0

    jobs = (
        Job("notify.pass", options.interval_s, lambda: one_pass(datetime.now(UTC)), "notify.pass_failed"),
        Job("notify.push", PUSH_INTERVAL_S, lambda: push(datetime.now(UTC)), "notify.push_run_failed"),
    )

    def started() -> None:
        log.info("notify.started", interval_s=options.interval_s, push_interval_s=PUSH_INTERVAL_S)

    if options.metrics_port:
        metrics.serve(host=options.metrics_host, port=options.metrics_port)
    try:
        run_periodic(lambda: jobs, log=log, on_start=started)
    finally:
        metrics.close()
    log.info("notify.stopped")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run one pass (--once) or the scheduled loop; return the process exit code."""
    return run_command(command, argv)


if __name__ == "__main__":
    sys.exit(main())
