"""Provider callbacks: delivery receipts and inbound SMS (docs/messages.md)."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.common import UtcDateTime


class ReceiptIn(BaseModel):
    """What an SMS gateway or push provider reports about one delivery it accepted."""

    model_config = ConfigDict(extra="forbid")

    # The delivery key Carecast sent (SMS: `client_ref`; WeChat / app push: `delivery_id`).
    delivery_id: UUID
    status: Literal["delivered", "failed", "read"]
    # When it happened at the provider; the time of the callback when absent.
    at: UtcDateTime | None = None
    provider_ref: str | None = Field(default=None, max_length=200)


class ReceiptOut(BaseModel):
    """The receipt was recorded on the delivery."""

    delivery_id: UUID
    status: Literal["delivered", "failed", "read"]


class InboundSms(BaseModel):
    """A text message an owner sent to Carecast's SMS number, as the gateway forwards it."""

    model_config = ConfigDict(extra="forbid")

    # The sender's number in any notation; matched on its digits against customers' phone numbers.
    sender: str = Field(alias="from", min_length=3, max_length=32)
    text: str = Field(min_length=1, max_length=2000)
    # The gateway's id of the message: a retried callback lands once.
    message_id: str = Field(min_length=1, max_length=200)
    received_at: UtcDateTime | None = None


class InboundOut(BaseModel):
    """Where the reply went: stored (false when this message id was already stored)."""

    stored: bool
    center_id: int
