"""A center's webhook subscription, tested and re-keyed: a ping event to one subscription, and secret rotation
with a grace period during which each push carries the old secret's signature as well (notify/push.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Path
from psycopg.rows import dict_row

from api.deps import CenterId, Conn, ExistingCenterScope
from api.errors import ApiError
from api.policy.webhook_urls import new_secret
from api.schemas.common import error_responses
from api.schemas.feedback_loop import SecretRotate, SecretRotated, WebhookPinged
from api.sql import WEBHOOK_LIVE, WEBHOOK_ROTATE
from core import events
from core.db import query

router = APIRouter(prefix="/v1/service-centers", tags=["service centers"])
WebhookId = Annotated[int, Path(ge=1, le=2**63 - 1, description="The subscription's id")]


@router.post(
    "/{center_id}/webhooks/{webhook_id}/ping",
    status_code=202,
    response_model=WebhookPinged,
    summary="Send a test event (webhook.ping) to one subscription",
    responses=error_responses(401, 403, 404, 422, 503),
)
def ping(conn: Conn, caller: ExistingCenterScope, center_id: CenterId, webhook_id: WebhookId) -> Any:
    """Write a `webhook.ping` event for this subscription only; notify delivers it, signed, within seconds."""
    now = datetime.now(UTC)
    if (
        conn.execute(
            query(WEBHOOK_LIVE), {"webhook_id": webhook_id, "center_id": center_id, "now": now}
        ).fetchone()
        is None
    ):
        raise ApiError(404, "not_found", "webhook subscription not found")
    return WebhookPinged(event_id=events.ping(conn, center_id=center_id, webhook_id=webhook_id, now=now))


@router.post(
    "/{center_id}/webhooks/{webhook_id}/rotate-secret",
    response_model=SecretRotated,
    summary="Replace a subscription's signing secret (the old one keeps signing for a grace period)",
    responses=error_responses(401, 403, 404, 422, 503),
)
def rotate_secret(
    conn: Conn,
    caller: ExistingCenterScope,
    center_id: CenterId,
    webhook_id: WebhookId,
    body: SecretRotate | None = None,
) -> Any:
    """Return the new secret (shown only here). Until `previous_secret_until` every push is signed with both:
    `X-Carecast-Signature: sha256=<new>, sha256=<previous>`; after it, with the new one only."""
    now = datetime.now(UTC)
    grace = timedelta(hours=(body or SecretRotate()).grace_hours)
    params = {
        "webhook_id": webhook_id,
        "center_id": center_id,
        "secret": new_secret(),
        "grace_until": now + grace if grace else None,
        "now": now,
    }
    row = conn.cursor(row_factory=dict_row).execute(query(WEBHOOK_ROTATE), params).fetchone()
    if row is None:
        raise ApiError(404, "not_found", "webhook subscription not found")
    return SecretRotated.model_validate(row)
