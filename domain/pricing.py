"""The price an owner sees before booking (pure): labour hours × the center's hourly rate, each part's price ×
quantity, fees (pickup and delivery), and tax as the center configures it.

Every line is rounded to the cent (half up) on its own, so the lines always add up to what is shown. With
tax-inclusive prices (``tax_included``) the lines already contain the tax: the total is their sum and the tax is
the part of it ``total − total / (1 + rate)``. With tax-exclusive prices the tax is ``rate × sum``, added to it.
No price, no estimate: a center without an hourly rate or a part without a price gives ``None``, never a guess.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

CURRENCY: Literal["CNY"] = "CNY"
CENT = Decimal("0.01")


def cents(value: Decimal) -> Decimal:
    """Return `value` rounded half up to the cent."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


class LineKind(StrEnum):
    """What a line of an estimate is for."""

    LABOUR = "labour"
    PART = "part"
    FEE = "fee"


class Money(BaseModel):
    """An amount in cents precision and its currency (always CNY today)."""

    model_config = ConfigDict(frozen=True)

    amount: Decimal = Field(decimal_places=2, examples=["398.00"])
    currency: Literal["CNY"] = CURRENCY

    @classmethod
    def of(cls, value: Decimal) -> Money:
        """Return `value` rounded to the cent as CNY."""
        return cls(amount=cents(value))


class EstimateLine(BaseModel):
    """One line: labour (hours at the rate), a part (quantity at its price) or a fee; `amount` = qty × unit."""

    model_config = ConfigDict(frozen=True)

    kind: LineKind
    code: str = Field(
        description="labour: the job kind; part: the SKU; fee: e.g. pickup", examples=["BRK-PAD-FRONT"]
    )
    label: str = Field(examples=["Front brake pads"])
    quantity: Decimal = Field(
        description="hours for labour, pieces for a part, 1 for a fee", examples=["1.5"]
    )
    unit_price: Money
    amount: Money


class Estimate(BaseModel):
    """What the visit will cost: the lines, the tax and the total, as the center prices (tax included or not)."""

    model_config = ConfigDict(frozen=True)

    currency: Literal["CNY"] = CURRENCY
    lines: tuple[EstimateLine, ...]
    tax_rate: Decimal = Field(ge=0, lt=1, examples=["0.13"])
    tax_included: bool = Field(description="true: the lines include the tax; false: the tax is added to them")
    subtotal: Money = Field(description="the sum of the lines")
    tax: Money
    total: Money

    def with_fee(self, *, code: str, label: str, fee: Decimal) -> Estimate:
        """Return the estimate with one more fee line (priced like the other lines), tax and total recomputed."""
        line = EstimateLine(
            kind=LineKind.FEE,
            code=code,
            label=label,
            quantity=Decimal(1),
            unit_price=Money.of(fee),
            amount=Money.of(fee),
        )
        return _totals((*self.lines, line), tax_rate=self.tax_rate, tax_included=self.tax_included)


class CenterPrices(BaseModel):
    """A center's labour rate and how it shows tax; `hourly_rate` None = the center has not given one."""

    model_config = ConfigDict(frozen=True)

    hourly_rate: Decimal | None
    tax_rate: Decimal = Decimal(0)
    tax_included: bool = True


def estimate(
    *,
    job_code: str,
    labour_hours: Decimal,
    parts: Sequence[tuple[str, str, int]],
    prices: CenterPrices,
    part_prices: Mapping[str, Decimal | None],
) -> Estimate | None:
    """Return the estimate of a job (its code, labour hours, parts as (sku, name, qty)) at a center's prices;
    None when the center has no hourly rate or any part has no price."""
    if prices.hourly_rate is None:
        return None
    lines = [
        EstimateLine(
            kind=LineKind.LABOUR,
            code=job_code,
            label="labour",
            quantity=labour_hours,
            unit_price=Money.of(prices.hourly_rate),
            amount=Money.of(labour_hours * prices.hourly_rate),
        )
    ]
    for sku, name, qty in parts:
        price = part_prices.get(sku)
        if price is None:
            return None
        lines.append(
            EstimateLine(
                kind=LineKind.PART,
                code=sku,
                label=name,
                quantity=Decimal(qty),
                unit_price=Money.of(price),
                amount=Money.of(price * qty),
            )
        )
    return _totals(lines, tax_rate=prices.tax_rate, tax_included=prices.tax_included)


def _totals(lines: Sequence[EstimateLine], *, tax_rate: Decimal, tax_included: bool) -> Estimate:
    subtotal = sum((line.amount.amount for line in lines), Decimal(0))
    if tax_included:
        total = subtotal
        tax = cents(total - total / (1 + tax_rate))
    else:
        tax = cents(subtotal * tax_rate)
        total = subtotal + tax
    return Estimate(
        lines=tuple(lines),
        tax_rate=tax_rate,
        tax_included=tax_included,
        subtotal=Money.of(subtotal),
        tax=Money.of(tax),
        total=Money.of(total),
    )
