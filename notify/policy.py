"""Notification policy (pure): what to tell an owner about a case next, and when it may be sent.

One conversation per vehicle and issue: every message of a case has a distinct purpose (first_notice,
reminder_1, reminder_2, escalation_high, escalation_critical, all_clear), so re-runs never duplicate anything.
Reminders follow the first notice on the configured days while the case is open and not booked; they stop when
it is booked, muted ("don't remind me") or resolved. A severity above what the owner was told escalates; a case
that resolves by itself after the owner was told gets an "all good now" note. Quiet hours (owner's time zone) and
the per-owner frequency cap only ever defer a message, never drop it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.vocabulary import BOOKED_STAGES, SEVERITY_ORDER, RiskStatus, Severity

FIRST_NOTICE = "first_notice"
ALL_CLEAR = "all_clear"


@dataclass(frozen=True, slots=True)
class CadencePolicy:
    """Tunables: reminder days after the first notice, quiet hours, frequency cap."""

    reminder_days: tuple[int, ...] = (7, 14)
    quiet_start: time = time(21, 0)
    quiet_end: time = time(8, 0)
    # At most one message per owner in this period; several due notices are merged into one.
    min_gap: timedelta = timedelta(days=1)
    # Critical escalations skip the frequency cap (never quiet hours): waiting a day would defeat them.
    critical_skips_cap: bool = True


@dataclass(frozen=True, slots=True)
class CaseView:
    """What the policy needs to know about one case (risk + conversation so far)."""

    risk_status: str  # open | resolved | closed
    severity: str
    stage: str  # detected | notified | booked | ...
    muted: bool
    notified_severity: str | None
    # purpose -> when that message was created (queued, sent or cancelled)
    sent: Mapping[str, datetime]


@dataclass(frozen=True, slots=True)
class Decision:
    """The next message of a case (None: nothing to say) and whether its unsent queued messages are moot."""

    purpose: str | None
    cancel_queued: bool = False


def _rank(severity: str | None) -> int:
    return -1 if severity is None else SEVERITY_ORDER[Severity(severity)]


def decide(case: CaseView, *, now: datetime, policy: CadencePolicy) -> Decision:
    """Return the purpose of the message the case needs now, if any, and whether queued ones are moot."""
    told = FIRST_NOTICE in case.sent
    if case.risk_status != RiskStatus.OPEN:
        if case.stage in BOOKED_STAGES or not told or ALL_CLEAR in case.sent:
            return Decision(None, cancel_queued=True)
        return Decision(ALL_CLEAR, cancel_queued=True)
    if not told:
        return Decision(FIRST_NOTICE)
    if case.stage in BOOKED_STAGES or case.muted:
        return Decision(None, cancel_queued=True)
    if _rank(case.severity) > _rank(case.notified_severity):
        purpose = f"escalation_{case.severity}"
        if purpose not in case.sent:
            return Decision(purpose)
    first = case.sent[FIRST_NOTICE]
    due = [i for i, days in enumerate(policy.reminder_days, 1) if now >= first + timedelta(days=days)]
    if due and not any(f"reminder_{i}" in case.sent for i in range(due[-1], len(policy.reminder_days) + 1)):
        # Only the latest reminder that is due: after an outage the owner gets one reminder, not a burst.
        return Decision(f"reminder_{due[-1]}")
    return Decision(None)


def quiet_until(at: datetime, *, tz: str, policy: CadencePolicy) -> datetime:
    """Return `at` if it falls outside the owner's quiet hours, else the instant the quiet hours end."""
    zone = ZoneInfo(tz)
    local = at.astimezone(zone)
    start, end = policy.quiet_start, policy.quiet_end
    clock = local.time().replace(tzinfo=None)
    if start == end:
        return at
    wraps = start > end  # e.g. 21:00-08:00 spans midnight
    inside = (clock >= start or clock < end) if wraps else (start <= clock < end)
    if not inside:
        return at
    day = local.date() + timedelta(days=1) if wraps and clock >= start else local.date()
    # Built from the wall clock in the zone, so a DST change inside the night is handled by zoneinfo.
    return datetime.combine(day, end, zone).astimezone(at.tzinfo)


PROGRESS_PREFIX = "progress_"


def skips_cap(purpose: str, *, policy: CadencePolicy) -> bool:
    """Return True for messages the frequency cap never holds back (quiet hours still do): critical escalations
    (unless configured otherwise) and the progress of a visit under way (a "checked in" a day late is useless)."""
    return purpose.startswith(PROGRESS_PREFIX) or (
        policy.critical_skips_cap and purpose == "escalation_critical"
    )


def send_after(
    purpose: str,
    *,
    now: datetime,
    tz: str,
    last_sent_at: datetime | None,
    policy: CadencePolicy,
) -> datetime:
    """Return the earliest instant a message may go out: after the frequency cap and outside quiet hours."""
    earliest = now
    capped = not skips_cap(purpose, policy=policy)
    if capped and last_sent_at is not None:
        earliest = max(earliest, last_sent_at + policy.min_gap)
    return quiet_until(earliest, tz=tz, policy=policy)


@dataclass(frozen=True, slots=True)
class Queued:
    """A queued message as the dispatcher sees it."""

    id: int
    customer_id: int
    purpose: str
    send_after: datetime


def due_batches(
    queued: Sequence[Queued],
    *,
    now: datetime,
    tz_of: Mapping[int, str],
    last_sent: Mapping[int, datetime],
    policy: CadencePolicy,
) -> tuple[dict[int, list[int]], dict[int, datetime]]:
    """Split queued messages into per-owner batches to send now and owners to defer (with the new time).

    An owner's batch holds every queued message once one of them is due, so a day's notices go out together.
    """
    by_owner: dict[int, list[Queued]] = {}
    for q in queued:
        by_owner.setdefault(q.customer_id, []).append(q)
    send: dict[int, list[int]] = {}
    defer: dict[int, datetime] = {}
    for owner, items in by_owner.items():
        if not any(q.send_after <= now for q in items):
            continue
        urgent = next((q.purpose for q in items if skips_cap(q.purpose, policy=policy)), None)
        at = send_after(
            urgent or "batch",
            now=now,
            tz=tz_of[owner],
            last_sent_at=last_sent.get(owner),
            policy=policy,
        )
        if at <= now:
            send[owner] = sorted(q.id for q in items)
        else:
            defer[owner] = at
    return send, defer
