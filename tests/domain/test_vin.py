"""VIN rules (domain/vin.py): validity and the check digit."""

from __future__ import annotations

import pytest

from domain.vin import is_valid_vin, vin_check_digit


@pytest.mark.parametrize(
    ("vin", "ok"),
    [
        ("LSVAU2180N2183294", True),
        ("1HGCM82633A004352", True),
        ("LSVAU2180N218329", False),  # 16 chars
        ("LSVAU2180N21832945", False),  # 18 chars
        ("LSVAU2180N218329I", False),  # I not allowed
        ("LSVAU2180N218329O", False),
        ("LSVAU2180N218329Q", False),
        ("lsvau2180n2183294", False),  # lower case
        ("LSVAU2180N2183294\n", False),  # "$" with match would accept the trailing newline
        ("LSVAU2180N2183294\r\n", False),
        ("\nLSVAU2180N2183294", False),
        ("LSVAU2180N2183294\x00", False),
        ("LSVAU2180N2183294 ", False),
        (None, False),
        (12345678901234567, False),
    ],
)
def test_vin_validation(vin, ok):
    assert is_valid_vin(vin) is ok


def test_vin_check_digit_known_example():
    assert vin_check_digit("1HGCM82633A004352") == "3"
