"""Vehicle identification numbers (ISO 3779, China GB 16735): what a valid VIN is and its check digit."""

from __future__ import annotations

import re

# 17 characters, digits and capital letters except I, O and Q. Always used with fullmatch: with match, "$" would
# also accept a trailing newline.
_VIN_RE = re.compile(r"[A-HJ-NPR-Z0-9]{17}")
# Position 9 check digit (North America mandatory; China GB 16735 uses the same scheme).
_TRANSLIT = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


def is_valid_vin(vin: object) -> bool:
    """Return True for a 17-character VIN without I, O or Q."""
    return isinstance(vin, str) and _VIN_RE.fullmatch(vin) is not None


def vin_check_digit(vin: str) -> str:
    """Return the ISO 3779 / GB 16735 check character (position 9) for a VIN."""
    total = sum(_TRANSLIT[c] * w for c, w in zip(vin, _WEIGHTS, strict=True))
    rem = total % 11
    return "X" if rem == 10 else str(rem)
