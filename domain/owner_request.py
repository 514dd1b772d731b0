"""Owner-started requests (pure): how urgent a category is, and which image type a photo is."""

from __future__ import annotations

from domain.vocabulary import RequestCategory, Severity

# A lit warning lamp or brakes that feel wrong may not wait; the rest is planned like routine care.
_SEVERITY = {RequestCategory.WARNING_LIGHT: Severity.HIGH, RequestCategory.BRAKES: Severity.HIGH}

JPEG = "image/jpeg"
PNG = "image/png"


def severity_of(category: RequestCategory) -> Severity:
    """Return the severity an owner's request of `category` is planned with."""
    return _SEVERITY.get(category, Severity.MEDIUM)


def photo_type(data: bytes) -> str | None:
    """Return the content type of a JPEG or PNG image from its first bytes, None for anything else."""
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    return None
