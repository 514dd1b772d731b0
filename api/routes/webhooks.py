"""A service center's webhook subscriptions: register a URL (the signing secret is shown once), list, end.

Delivery is notify's job (``notify/push.py``): every new booking suggestion for the center is POSTed to each live
subscription, signed like notify's webhook channel, retried with backoff until the receiver answers 2xx.
"""

from __future__ import annotations

import socket
from typing import Annotated, Any

from fastapi import APIRouter, Path, Response
from psycopg.rows import dict_row

from api.deps import CenterId, Conn, ExistingCenterScope, Settings
from api.errors import ApiError
from api.policy.webhook_urls import InvalidWebhookUrl, check_addresses, check_url, new_secret, secret_hint
from api.schemas.common import ErrorResponse, error_responses
from api.schemas.webhooks import Webhook, WebhookCreate, WebhookCreated, WebhookPage
from api.sql import WEBHOOK_INSERT, WEBHOOK_LIST, WEBHOOK_REVOKE
from core.db import query
from core.egress import Target

# Live subscriptions per center: enough for a DMS, a CRM and a test endpoint; more is likely a loop creating them.
MAX_WEBHOOKS_PER_CENTER = 10

router = APIRouter(prefix="/v1/service-centers", tags=["service centers"])

WebhookId = Annotated[int, Path(ge=1, le=2**63 - 1, description="The subscription's id")]


@router.post(
    "/{center_id}/webhooks",
    status_code=201,
    response_model=WebhookCreated,
    summary="Subscribe a URL to the center's new booking suggestions",
    responses={
        **error_responses(401, 403, 404, 422, 503),
        409: {"model": ErrorResponse, "description": "The center already has the most subscriptions allowed"},
    },
)
def create_webhook(
    conn: Conn, settings: Settings, caller: ExistingCenterScope, center_id: CenterId, body: WebhookCreate
) -> Any:
    """Register `url`; from now on every new suggestion for the center is POSTed to it, signed with `secret`.

    The URL must reach a public address: loopback, private, link-local and other non-public addresses are
    refused (422), as literals and as what the host name resolves to now. Delivery checks again (DNS can change).
    The secret is in this answer only. Each push carries `X-Carecast-Event-Id` (the same on every retry: dedupe
    on it), `X-Carecast-Timestamp` and `X-Carecast-Signature: sha256=HMAC(secret, "{timestamp}.{body}")`.
    """
    try:
        target = check_url(body.url, egress=settings.egress)
        if (addresses := _resolve(target)) is not None:
            check_addresses(target, addresses, egress=settings.egress)
    except InvalidWebhookUrl as exc:
        raise ApiError(422, "invalid_webhook_url", f"body.url: {exc}") from exc
    params = {
        "center_id": center_id,
        "url": body.url,
        "secret": new_secret(),
        "label": body.label,
        "key_id": caller.key_id,
        "max": MAX_WEBHOOKS_PER_CENTER,
    }
    row = conn.cursor(row_factory=dict_row).execute(query(WEBHOOK_INSERT), params).fetchone()
    if row is None:
        raise ApiError(
            409,
            "too_many_webhooks",
            f"a center has at most {MAX_WEBHOOKS_PER_CENTER} live subscriptions; delete one first",
        )
    return WebhookCreated.model_validate(row)


def _resolve(target: Target) -> list[str] | None:
    """Return the addresses the URL's host name resolves to now, None for an IP literal or a name that does not
    resolve (yet): registration refuses what it can see, delivery is where the check counts."""
    if target.literal() is not None:
        return None
    try:
        infos = socket.getaddrinfo(
            target.host, target.port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
        )
    except UnicodeError as exc:
        raise InvalidWebhookUrl(f"{target.host!r} is not a host name") from exc
    except OSError:
        return None
    return [str(info[4][0]) for info in infos]


@router.get(
    "/{center_id}/webhooks",
    response_model=WebhookPage,
    summary="The center's webhook subscriptions",
    responses=error_responses(401, 403, 404, 422, 503),
)
def list_webhooks(conn: Conn, caller: ExistingCenterScope, center_id: CenterId) -> Any:
    """Return the live subscriptions with their delivery counts (the secret itself is never shown again)."""
    rows = conn.cursor(row_factory=dict_row).execute(query(WEBHOOK_LIST), {"center_id": center_id})
    items = [Webhook.model_validate({**row, "secret_hint": secret_hint(row["secret"])}) for row in rows]
    return WebhookPage(items=items)


@router.delete(
    "/{center_id}/webhooks/{webhook_id}",
    status_code=204,
    response_class=Response,
    summary="End a webhook subscription",
    responses=error_responses(401, 403, 404, 422, 503),
)
def delete_webhook(
    conn: Conn, caller: ExistingCenterScope, center_id: CenterId, webhook_id: WebhookId
) -> Response:
    """Stop pushing to the subscription; deliveries still waiting for it are cancelled."""
    params = {"center_id": center_id, "webhook_id": webhook_id}
    if conn.execute(query(WEBHOOK_REVOKE), params).fetchone() is None:
        raise ApiError(404, "not_found", "webhook subscription not found")
    return Response(status_code=204)
