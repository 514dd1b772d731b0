"""The estimate before booking: hand-computed fixtures, tax inclusive and exclusive, rounding, missing prices."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from domain.pricing import CenterPrices, Estimate, LineKind, cents, estimate

PRICES = {"BRK-PAD-FRONT": D("680.00"), "COOLANT-AF-4L": D("89.90"), "WASHER-WINTER-2L": D("12.35")}


def _amounts(e: Estimate) -> tuple[str, str, str]:
    return str(e.subtotal.amount), str(e.tax.amount), str(e.total.amount)


def test_tax_inclusive_brake_pads() -> None:
    # 1.5 h × 300.00 = 450.00; pads 680.00; total 1130.00 of which tax 1130 − 1130 / 1.13 = 130.00
    e = estimate(
        job_code="brake_pads",
        labour_hours=D("1.5"),
        parts=[("BRK-PAD-FRONT", "Front brake pads", 1)],
        prices=CenterPrices(hourly_rate=D("300.00"), tax_rate=D("0.13"), tax_included=True),
        part_prices=PRICES,
    )
    assert e is not None
    assert [(line.kind, line.code, str(line.amount.amount)) for line in e.lines] == [
        (LineKind.LABOUR, "brake_pads", "450.00"),
        (LineKind.PART, "BRK-PAD-FRONT", "680.00"),
    ]
    assert _amounts(e) == ("1130.00", "130.00", "1130.00")
    assert e.currency == "CNY" and e.tax_included


def test_tax_exclusive_with_quantities() -> None:
    # 0.75 h × 260.00 = 195.00; coolant 89.90; washer 2 × 12.35 = 24.70; subtotal 309.60;
    # tax 6 % = 18.576 → 18.58; total 328.18
    e = estimate(
        job_code="winter_prep",
        labour_hours=D("0.75"),
        parts=[("COOLANT-AF-4L", "Coolant", 1), ("WASHER-WINTER-2L", "Washer fluid", 2)],
        prices=CenterPrices(hourly_rate=D("260.00"), tax_rate=D("0.06"), tax_included=False),
        part_prices=PRICES,
    )
    assert e is not None
    assert [str(line.amount.amount) for line in e.lines] == ["195.00", "89.90", "24.70"]
    assert str(e.lines[2].unit_price.amount) == "12.35" and e.lines[2].quantity == 2
    assert _amounts(e) == ("309.60", "18.58", "328.18")


def test_each_line_is_rounded_half_up_to_the_cent() -> None:
    # 0.25 h × 333.33 = 83.3325 → 83.33; tax included 13 %: 83.33 − 73.7434 = 9.5866 → 9.59
    e = estimate(
        job_code="wipers",
        labour_hours=D("0.25"),
        parts=[],
        prices=CenterPrices(hourly_rate=D("333.33"), tax_rate=D("0.13"), tax_included=True),
        part_prices={},
    )
    assert e is not None
    assert _amounts(e) == ("83.33", "9.59", "83.33")
    assert cents(D("0.005")) == D("0.01") and cents(D("0.0049")) == D("0.00")


def test_no_tax_configured_is_zero_tax() -> None:
    e = estimate(
        job_code="brake_pads",
        labour_hours=D(1),
        parts=[],
        prices=CenterPrices(hourly_rate=D("100")),
        part_prices={},
    )
    assert e is not None and _amounts(e) == ("100.00", "0.00", "100.00")


@pytest.mark.parametrize(
    ("hourly_rate", "part_prices"),
    [
        (None, PRICES),  # the center has no labour rate
        (D("300"), {"BRK-PAD-FRONT": None}),  # the part has no price
        (D("300"), {}),  # the part is unknown
    ],
)
def test_a_missing_price_gives_no_estimate(hourly_rate: D | None, part_prices: dict[str, D | None]) -> None:
    e = estimate(
        job_code="brake_pads",
        labour_hours=D("1.5"),
        parts=[("BRK-PAD-FRONT", "Front brake pads", 1)],
        prices=CenterPrices(hourly_rate=hourly_rate, tax_rate=D("0.13")),
        part_prices=part_prices,
    )
    assert e is None


def test_a_fee_is_priced_like_the_other_lines() -> None:
    inclusive = estimate(
        job_code="brake_pads",
        labour_hours=D("1.5"),
        parts=[("BRK-PAD-FRONT", "Front brake pads", 1)],
        prices=CenterPrices(hourly_rate=D("300.00"), tax_rate=D("0.13"), tax_included=True),
        part_prices=PRICES,
    )
    assert inclusive is not None
    # 1130 + 50 = 1180.00, of which tax 1180 − 1044.2478 = 135.75
    with_fee = inclusive.with_fee(code="pickup_delivery", label="pickup", fee=D("50"))
    assert _amounts(with_fee) == ("1180.00", "135.75", "1180.00")
    assert with_fee.lines[-1].kind is LineKind.FEE
    exclusive = estimate(
        job_code="winter_prep",
        labour_hours=D("0.75"),
        parts=[("COOLANT-AF-4L", "Coolant", 1), ("WASHER-WINTER-2L", "Washer fluid", 2)],
        prices=CenterPrices(hourly_rate=D("260.00"), tax_rate=D("0.06"), tax_included=False),
        part_prices=PRICES,
    )
    assert exclusive is not None
    # 309.60 + 30 = 339.60; tax 20.376 → 20.38; total 359.98
    assert _amounts(exclusive.with_fee(code="pickup_delivery", label="pickup", fee=D(30))) == (
        "339.60",
        "20.38",
        "359.98",
    )


def test_the_stored_json_reads_back_identically() -> None:
    e = estimate(
        job_code="brake_pads",
        labour_hours=D("1.5"),
        parts=[("BRK-PAD-FRONT", "Front brake pads", 1)],
        prices=CenterPrices(hourly_rate=D("300.00"), tax_rate=D("0.13")),
        part_prices=PRICES,
    )
    assert e is not None
    stored = e.model_dump(mode="json")
    assert stored["total"] == {"amount": "1130.00", "currency": "CNY"}
    assert Estimate.model_validate(stored) == e
