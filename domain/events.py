"""The events a center's webhooks receive (center_event.type): one per state change a dealer system acts on.

The envelope every delivery carries is {"event_id", "type", "center_id", "created_at", "data"}; docs/api.md
("Webhook events") lists the data of each type.
"""

from __future__ import annotations

from enum import StrEnum


class EventType(StrEnum):
    """The type of a center event (and of its webhook deliveries)."""

    OFFER_ACCEPTED = "offer.accepted"
    OFFER_DECLINED = "offer.declined"
    OFFER_EXPIRED = "offer.expired"
    OFFER_RESCHEDULED = "offer.rescheduled"  # an accepted visit moved to another slot by the center
    CASE_STAGE_CHANGED = "case.stage_changed"
    FEEDBACK_NEGATIVE = "feedback.negative"
    FEEDBACK_RESOLVED = "feedback.resolved"
    OUTREACH_OUTCOME = "outreach.outcome"
    WEBHOOK_PING = "webhook.ping"


# The event type of booking_suggestion_item pushes (migration 0016), kept for existing receivers.
SUGGESTION_CREATED = "booking_suggestion.created"
