"""Request and response models of a service center's webhook subscriptions."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.common import RequestModel, UtcDateTime
from domain.events import SUGGESTION_CREATED, EventType


class WebhookCreate(RequestModel):
    """Where to push the center's new booking suggestions."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(
        min_length=1,
        max_length=2000,
        pattern=r"^https?://",
        examples=["https://dms.example.com/carecast/hooks"],
        description=(
            "https:// to a public address: loopback, private, link-local and other non-public addresses are "
            "refused, also when the host name resolves to one (plain http only to localhost, in development setups)"
        ),
    )
    label: str | None = Field(default=None, max_length=200, examples=["DMS integration"])


class Webhook(BaseModel):
    """A subscription and how its deliveries are going."""

    id: int
    url: str
    label: str | None
    secret_hint: str = Field(examples=["whsec_Ab3d…"], description="The beginning of the signing secret")
    created_at: UtcDateTime
    pending: int = Field(description="Deliveries waiting for their first try or a retry")
    delivered: int
    dead: int = Field(description="Deliveries given up after the last retry")
    last_delivered_at: UtcDateTime | None = None


class WebhookCreated(BaseModel):
    """The new subscription with its signing secret: shown only in this answer, keep it."""

    id: int
    url: str
    label: str | None
    secret: str = Field(
        examples=["whsec_Zk3…"],
        description="HMAC-SHA256 key of `X-Carecast-Signature`; shown only once",
    )
    created_at: UtcDateTime
    events: list[str] = Field(
        default=[SUGGESTION_CREATED, *(e.value for e in EventType if e is not EventType.WEBHOOK_PING)],
        description='What the subscription receives (docs/api.md, "Webhook events"); pings only on request',
    )


class WebhookPage(BaseModel):
    """The center's live subscriptions, oldest first."""

    items: list[Webhook]
