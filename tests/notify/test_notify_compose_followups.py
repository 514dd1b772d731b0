"""Follow-up messages and segment wording: every kind x locale x segment x purpose renders with no missing
variable; reminders and escalations say so; the all-clear note and the merged digest."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.vocabulary import LOCALES, RULE_KINDS, RiskKind
from notify.compose import Message, Recipient, compose, compose_digest
from tests.notify.test_notify_compose import notice, options

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
SEGMENT_WORDS = {
    "business": ("picked up", "上门取送车"),
    "ev": ("battery", "电池健康报告"),
    "premium": ("personal service advisor", "专属服务顾问"),
}


@pytest.mark.parametrize(
    "purpose", ["first_notice", "reminder_1", "reminder_2", "escalation_critical", "all_clear"]
)
@pytest.mark.parametrize("segment", ["business", "family", "ev", "premium"])
@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("kind", RULE_KINDS)
def test_notify_followups_render_for_every_kind_locale_segment(kind, locale, segment, purpose) -> None:
    message = compose(
        notice(kind), recipient=Recipient("Liu", locale, "Asia/Shanghai", segment), options=options(), now=NOW,
        purpose=purpose,
    )  # fmt: skip
    assert message.subject and message.body.endswith("\n")
    if purpose.startswith("reminder_"):
        assert message.subject.startswith("Reminder: " if locale == "en" else "再次提醒：")
    if purpose.startswith("escalation_"):
        assert message.subject.startswith("More urgent now: " if locale == "en" else "情况加重：")
    if purpose == "all_clear":
        assert message.subject.startswith("All good now" if locale == "en" else "一切正常")
    elif segment in SEGMENT_WORDS:
        assert SEGMENT_WORDS[segment][locale != "en"] in message.body


@pytest.mark.parametrize("locale", LOCALES)
def test_notify_business_hears_the_fastest_slot_and_family_the_weekend(locale: str) -> None:
    opts = options()
    business = compose(
        notice(RiskKind.BATTERY_12V), recipient=Recipient("Liu", locale, "Asia/Shanghai", "business"), options=opts,
        now=NOW,
    )  # fmt: skip
    assert (
        "Slot 1 is the fastest" if locale == "en" else "第 1 个时段是我们能安排的最快时间"
    ) in business.body
    family = compose(
        notice(RiskKind.BATTERY_12V), recipient=Recipient("Liu", locale, "Asia/Shanghai", "family"), options=opts,
        now=NOW,
    )  # fmt: skip
    assert "weekend" not in family.body and "周末" not in family.body  # both options are on weekdays


def test_notify_digest_merges_and_single_message_passes_through() -> None:
    one = Message("en", "A", "body a\n")
    assert compose_digest([one], name="Liu", locale="en", vehicles=1) is one
    merged = compose_digest([one, Message("en", "B", "body b\n")], name="Liu", locale="en", vehicles=2)
    assert merged.subject == "2 care notices for your cars"
    assert "1. A" in merged.body and "2. B" in merged.body and "body b" in merged.body
