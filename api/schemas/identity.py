"""What `GET /v1/me/api-key` answers: the calling key and the service center it acts for."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from api.schemas.common import UtcDateTime


class CenterIdentity(BaseModel):
    """The service center a key belongs to: the `center_id` every center route takes."""

    id: int = Field(examples=[10])
    code: str = Field(examples=["SC-GUA-01"])
    name: str
    city: str
    time_zone: str = Field(examples=["Asia/Shanghai"], description="The center's IANA time zone")


class KeyIdentity(BaseModel):
    """The calling API key: its non-secret prefix, label, role and expiry, and its center (null for admin keys)."""

    prefix: str = Field(examples=["cc_live_Ab3dE9xQ"])
    label: str
    role: Literal["center", "admin"]
    expires_at: UtcDateTime | None = Field(description="When the key stops working; null: it does not expire")
    center: CenterIdentity | None
