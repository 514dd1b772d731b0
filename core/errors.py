"""Root exception of the core package."""


class CarecastError(Exception):
    """Base class for errors raised by core infrastructure."""


class ConfigError(CarecastError):
    """Settings or environment are unusable."""


class MigrationError(CarecastError):
    """A migration could not be applied."""
