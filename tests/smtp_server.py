"""A real SMTP server (aiosmtpd) on a free local port that keeps what it receives: the owner's mail provider in
notify's and the API's tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message as MessageHandler

from tests.conftest import free_port


class Inbox(MessageHandler):
    """The messages the SMTP server received, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.messages: list = []

    def handle_message(self, message) -> None:
        self.messages.append(message)


@contextmanager
def smtp_server() -> Iterator[tuple[int, Inbox]]:
    """Run the server; yield its port and inbox."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, inbox
    finally:
        controller.stop()
