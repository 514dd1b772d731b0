"""Command-line argument types shared by the processes (``--now``, ``--end``)."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime


def parse_instant(text: str) -> datetime:
    """Return an ISO 8601 time as an aware datetime (naive input is taken as UTC); an argparse ``type=``."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {text!r}") from exc
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
