"""Root exception of the detection package."""

from __future__ import annotations

from core.errors import CarecastError


class DetectionError(CarecastError):
    """Base class for errors raised by detection."""


class RuleConfigError(DetectionError):
    """A rule parameter override names an unknown rule or parameter, or has an unusable value."""
