"""Provider callbacks (docs/messages.md): delivery receipts of the SMS gateway and the WeChat / app-push provider,
and owners' text messages the SMS gateway forwards. Not called with an API key: each request is signed with
CARECAST_MESSAGES__CALLBACK_SECRET (``X-Carecast-Timestamp``, ``X-Carecast-Signature: sha256=HMAC(secret,
"{timestamp}.{body}")``, the timestamp within CARECAST_MESSAGES__CALLBACK_TOLERANCE_S of now); unsigned, badly
signed or stale requests get 401 before the body is read as JSON, and both endpoints answer 404
(callbacks_disabled) while the secret is unset: they do not exist until the operator configures them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Request

from api.deps import Conn, Settings
from api.errors import ApiError
from api.schemas.common import error_responses
from api.schemas.receipts import InboundOut, InboundSms, ReceiptIn, ReceiptOut
from core import messaging
from core.messaging import Reply

router = APIRouter(tags=["messages"])

ProviderChannel = Annotated[
    Literal["sms", "wechat", "email", "webhook"], Path(description="The channel the delivery went by")
]


async def signed_body(request: Request, settings: Settings) -> bytes:
    """Return the raw body once its signature verifies (401), the callback secret configured (404)."""
    secret = settings.messages.callback_secret
    if secret is None:
        raise ApiError(404, "callbacks_disabled", "provider callbacks are not configured")
    body = await request.body()
    if not messaging.callback_valid(
        secret.get_secret_value().encode(),
        timestamp=request.headers.get("X-Carecast-Timestamp"),
        signature=request.headers.get("X-Carecast-Signature"),
        body=body,
        now=datetime.now(UTC),
        tolerance_s=settings.messages.callback_tolerance_s,
    ):
        raise ApiError(401, "bad_signature", "missing, wrong or stale X-Carecast-Signature")
    return body


Signed = Annotated[bytes, Depends(signed_body)]


@router.post(
    "/v1/receipts/{channel}",
    response_model=ReceiptOut,
    summary="A provider's delivery receipt (signed)",
    responses=error_responses(401, 404, 422, 503),
)
def receipt(conn: Conn, _signed: Signed, channel: ProviderChannel, body: ReceiptIn) -> Any:
    """Record the provider's status of one delivery (`delivered`, `failed`, `read`) with when it happened; an
    older report never overwrites a newer one. 404 when no delivery of this channel has that id."""
    found = messaging.record_receipt(
        conn,
        channel=channel,
        delivery_key=str(body.delivery_id),
        status=body.status,
        at=body.at or datetime.now(UTC),
        provider_ref=body.provider_ref,
    )
    if not found:
        raise ApiError(404, "not_found", "no such delivery")
    return {"delivery_id": body.delivery_id, "status": body.status}


@router.post(
    "/v1/inbound/sms",
    response_model=InboundOut,
    summary="An owner's text message, forwarded by the SMS gateway (signed)",
    responses=error_responses(401, 404, 422, 503),
)
def inbound_sms(conn: Conn, settings: Settings, _signed: Signed, body: InboundSms) -> Any:
    """Put the text on the feed of the center of the sender's latest open case (matched by the phone number's
    digits) as an `owner_reply` item. 404 when no customer with a center has that number."""
    target = messaging.target_of_phone(conn, phone=body.sender)
    if target is None:
        raise ApiError(404, "unknown_sender", "no customer with a service center has this phone number")
    reply = Reply("sms", body.message_id, body.text, body.sender, body.received_at or datetime.now(UTC))
    stored = messaging.record_reply(
        conn, target=target, reply=reply, max_chars=settings.messages.reply_max_chars
    )
    return {"stored": stored, "center_id": target.center_id}
