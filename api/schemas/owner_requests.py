"""Request and response models of owner-started requests."""

from __future__ import annotations

from pydantic import BaseModel, Field

from api.schemas.common import RequestModel
from domain.evidence.kinds import MAX_REQUEST_TEXT
from domain.vocabulary import RequestCategory


class OwnerRequestBody(RequestModel):
    """A concern the owner describes: category, words, and optionally a photo (base64 JPEG or PNG)."""

    category: RequestCategory
    text: str = Field(
        min_length=1, max_length=MAX_REQUEST_TEXT, examples=["Squeaking from the front left wheel"]
    )
    photo: str | None = Field(
        default=None,
        description="base64 of a JPEG or PNG image, at most CARECAST_API__REQUEST_PHOTO_MAX_BYTES decoded",
    )


class OwnerRequestFiled(BaseModel):
    """The request was recorded; the notifier plans slots on its next pass: poll ``booking_options``."""

    risk_id: int = Field(description="The case of this request (risk kind owner_request)")
    status: str = Field(examples=["planning"], description="planning: slots follow at booking_options")
    booking_options: str = Field(examples=["/v1/vehicles/LSVAU2180N2183294/booking-options"])
    photo: bool
