"""Notify's shared fixtures: a real SMTP server on a free port that keeps what it receives."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.smtp_server import Inbox, smtp_server


@pytest.fixture
def smtp() -> Iterator[tuple[int, Inbox]]:
    with smtp_server() as server:
        yield server
