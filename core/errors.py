"""The project's root exception and core's own errors.

Every package's root exception derives from `CarecastError` (detection's `DetectionError`, the simulator's
`SimulatorError` …), so a process boundary can tell "one of ours, raised on purpose" from a bug or a third-party
error. Third-party errors are translated at the boundary that meets them (`raise ... from exc`).
"""

from domain.errors import CarecastError

__all__ = ["CarecastError", "ConfigError", "MigrationError", "PahoUnsupported"]


class ConfigError(CarecastError):
    """Settings or environment are unusable."""


class MigrationError(CarecastError):
    """A migration could not be applied."""


class PahoUnsupported(CarecastError):
    """The installed paho-mqtt lacks an internal that core/paho_adapter.py relies on."""
