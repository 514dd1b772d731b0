"""Exceptions of the simulator process."""

from __future__ import annotations

from core.errors import CarecastError


class SimulatorError(CarecastError):
    """Root of every error the simulator raises on purpose."""


class PublishError(SimulatorError):
    """The broker refused a connection, dropped it for good, or stopped acknowledging publishes."""
