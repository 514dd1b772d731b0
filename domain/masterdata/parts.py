"""Parts by SKU and their stock at each center."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import Field, field_validator

from domain.masterdata.fields import Code, Text
from domain.masterdata.record import Record


class Part(Record):
    """A part by SKU, with its list price."""

    sku: Code
    name: Text
    price: Decimal | None = Field(default=None, ge=0, max_digits=10, decimal_places=2)


class Stock(Record):
    """Stock of one part at one center; ``reserved`` belongs to the workshop flow and is never imported."""

    center_code: Code
    sku: Code
    on_hand: int = Field(le=1_000_000)
    restock_days: int = Field(default=3, ge=0, le=365, description="days until a part ordered today arrives")
    restock_date: date | None = Field(default=None, description="when the next delivery arrives")

    @field_validator("on_hand")
    @classmethod
    def _not_negative(cls, on_hand: int) -> int:
        if on_hand < 0:
            raise ValueError(f"negative stock ({on_hand}): on_hand is 0 or more")
        return on_hand
