"""PUBACKs in the order the messages arrived, whichever writer commits its batch first.

Several writer connections commit batches concurrently, but MQTT wants QoS 1 messages acknowledged in the order
they were received (MQTT 5 §4.6), and an ack must never overtake a batch that is not committed: a batch is acked
only once it and every batch before it are committed. A batch given up unacked (shutdown with the database away)
stops all later acks: the broker redelivers those messages to the next run, and storage skips what it already has.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")


class InOrderAcks(Generic[T]):
    """Batches are numbered 0, 1, 2 ... in arrival order; `committed(n, ...)` acks every batch that is now due."""

    def __init__(self, ack: Callable[[Sequence[T]], None]) -> None:
        self._ack = ack
        self._lock = threading.Lock()
        self._next = 0
        self._waiting: dict[int, Sequence[T] | None] = {}
        self._halted = False

    @property
    def halted(self) -> bool:
        """True once a batch was given up: nothing after it is acked any more."""
        return self._halted

    def committed(self, seq: int, messages: Sequence[T]) -> int:
        """Record batch `seq` as committed; ack it and the committed batches after it that are now due. Return the
        number of messages acked by this call."""
        return self._settle(seq, messages)

    def abandoned(self, seq: int) -> None:
        """Record batch `seq` as given up unacked: it and every later batch stay unacked."""
        self._settle(seq, None)

    def _settle(self, seq: int, messages: Sequence[T] | None) -> int:
        acked = 0
        with self._lock:  # ack() only queues packets: cheap enough to hold the lock for
            self._waiting[seq] = messages
            while not self._halted and self._next in self._waiting:
                due = self._waiting.pop(self._next)
                if due is None:
                    self._halted = True
                    self._waiting.clear()
                    break
                self._ack(due)
                acked += len(due)
                self._next += 1
            if self._halted:
                self._waiting.clear()
        return acked
