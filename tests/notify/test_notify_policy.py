"""Notification policy: cadence, stop conditions, escalation, all-clear, quiet hours across zones, frequency cap."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from notify.policy import CadencePolicy, CaseView, Queued, decide, due_batches, quiet_until, send_after

T0 = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
P = CadencePolicy()


def case(
    *, status="open", severity="high", stage="notified", muted=False, told="high", sent=None
) -> CaseView:
    return CaseView(status, severity, stage, muted, told, {"first_notice": T0} if sent is None else sent)


@pytest.mark.parametrize(
    ("view", "days", "purpose", "cancel"),
    [
        (case(stage="detected", told=None, sent={}), 0, "first_notice", False),
        (case(), 0, None, False),
        (case(), 6.9, None, False),
        (case(), 7, "reminder_1", False),
        (case(sent={"first_notice": T0, "reminder_1": T0 + timedelta(days=7)}), 10, None, False),
        (case(sent={"first_notice": T0, "reminder_1": T0 + timedelta(days=7)}), 14, "reminder_2", False),
        # after an outage only the latest due reminder goes out
        (case(), 15, "reminder_2", False),
        (case(sent={"first_notice": T0, "reminder_2": T0}), 30, None, False),
        (case(stage="booked"), 7, None, True),
        (case(muted=True), 7, None, True),
        (case(severity="critical"), 1, "escalation_critical", False),
        (case(severity="critical", sent={"first_notice": T0, "escalation_critical": T0}), 1, None, False),
        (case(severity="medium"), 1, None, False),  # lower severity: no message
        (case(status="resolved"), 3, "all_clear", True),
        (case(status="resolved", sent={}), 3, None, True),  # never told: nothing to take back
        (case(status="resolved", sent={"first_notice": T0, "all_clear": T0}), 3, None, True),
        (case(status="resolved", stage="booked"), 3, None, True),
    ],
)
def test_notify_policy_decide(view: CaseView, days: float, purpose: str | None, cancel: bool) -> None:
    decision = decide(view, now=T0 + timedelta(days=days), policy=P)
    assert (decision.purpose, decision.cancel_queued) == (purpose, cancel)


def test_notify_policy_configurable_reminder_days() -> None:
    policy = CadencePolicy(reminder_days=(3,))
    assert decide(case(), now=T0 + timedelta(days=3), policy=policy).purpose == "reminder_1"
    assert decide(case(), now=T0 + timedelta(days=20), policy=policy).purpose == "reminder_1"


@pytest.mark.parametrize(
    ("local", "tz", "expected_local"),
    [
        ("2026-11-20 10:00", "Asia/Shanghai", "2026-11-20 10:00"),
        ("2026-11-20 21:00", "Asia/Shanghai", "2026-11-21 08:00"),
        ("2026-11-20 23:59", "Asia/Shanghai", "2026-11-21 08:00"),
        ("2026-11-21 03:00", "Asia/Shanghai", "2026-11-21 08:00"),
        ("2026-11-21 08:00", "Asia/Shanghai", "2026-11-21 08:00"),
        ("2026-11-20 20:59", "Asia/Urumqi", "2026-11-20 20:59"),
        ("2026-11-20 22:30", "Asia/Urumqi", "2026-11-21 08:00"),
        # DST: Europe/Berlin leaves summer time in the night of 2026-10-25; 08:00 local is CET (UTC+1)
        ("2026-10-24 23:00", "Europe/Berlin", "2026-10-25 08:00"),
    ],
)
def test_notify_policy_quiet_hours_in_owner_zone(local: str, tz: str, expected_local: str) -> None:
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(tz)
    at = datetime.fromisoformat(local).replace(tzinfo=zone).astimezone(UTC)
    got = quiet_until(at, tz=tz, policy=P)
    assert got.astimezone(zone).strftime("%Y-%m-%d %H:%M") == expected_local
    assert got >= at  # deferred, never earlier, never dropped


def test_notify_policy_berlin_dst_morning_is_utc_plus_one() -> None:
    at = datetime(2026, 10, 24, 21, 0, tzinfo=UTC)  # 23:00 CEST
    assert quiet_until(at, tz="Europe/Berlin", policy=P) == datetime(2026, 10, 25, 7, 0, tzinfo=UTC)


def test_notify_policy_daytime_quiet_window_and_disabled_window() -> None:
    nap = CadencePolicy(quiet_start=time(12, 0), quiet_end=time(14, 0))
    at = datetime(2026, 11, 20, 5, 0, tzinfo=UTC)  # 13:00 Shanghai
    assert quiet_until(at, tz="Asia/Shanghai", policy=nap) == datetime(2026, 11, 20, 6, 0, tzinfo=UTC)
    off = CadencePolicy(quiet_start=time(0, 0), quiet_end=time(0, 0))
    assert quiet_until(at, tz="Asia/Shanghai", policy=off) == at


def test_notify_policy_frequency_cap_then_quiet_hours() -> None:
    last = T0 - timedelta(hours=2)  # a message went out two hours ago
    at = send_after("reminder_1", now=T0, tz="Asia/Shanghai", last_sent_at=last, policy=P)
    assert at == last + timedelta(days=1)  # 08:00 Shanghai next day: outside quiet hours
    late = T0 + timedelta(hours=11)  # 21:00 Shanghai
    at = send_after(
        "reminder_1", now=late, tz="Asia/Shanghai", last_sent_at=late - timedelta(hours=1), policy=P
    )
    assert at == datetime(2026, 11, 21, 12, 0, tzinfo=UTC)  # 20:00 Shanghai, a day after the last one
    # the cap ends inside the quiet hours: the message waits for the morning
    at = send_after("reminder_1", now=late, tz="Asia/Shanghai", last_sent_at=late, policy=P)
    assert at == datetime(2026, 11, 22, 0, 0, tzinfo=UTC)  # 08:00 Shanghai
    # a critical escalation skips the cap but not the quiet hours
    assert send_after("escalation_critical", now=T0, tz="Asia/Shanghai", last_sent_at=last, policy=P) == T0


def test_notify_policy_due_batches_merge_per_owner_and_defer() -> None:
    queued = [
        Queued(1, 100, "first_notice", T0),
        Queued(2, 100, "first_notice", T0 + timedelta(hours=5)),  # merged in: the owner gets one message
        Queued(3, 200, "reminder_1", T0),  # owner 200 got a message an hour ago: deferred
        Queued(4, 300, "first_notice", T0 + timedelta(hours=1)),  # not due yet
    ]
    tz = {100: "Asia/Shanghai", 200: "Asia/Shanghai", 300: "Asia/Shanghai"}
    send, defer = due_batches(queued, now=T0, tz_of=tz, last_sent={200: T0 - timedelta(hours=1)}, policy=P)
    assert send == {100: [1, 2]}
    assert defer == {200: T0 + timedelta(hours=23)}
