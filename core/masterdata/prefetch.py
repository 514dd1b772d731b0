"""Run an iterator in a background thread a few items ahead of its consumer.

The import parses the next batch (Python work) while the database writes the current one (the connection waits
on its socket without the GIL); bench/masterdata.py measures the gain. The producer never touches the connection.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from types import TracebackType
from typing import Generic, TypeVar

T = TypeVar("T")
_DONE = object()


class Prefetch(Generic[T]):
    """Iterate `items` in a daemon thread, at most `ahead` items ahead; its exception is raised to the consumer.

    Use as a context manager: leaving it early (the consumer failed) stops the producer and waits for it.
    """

    def __init__(self, items: Iterator[T], *, ahead: int = 2, name: str = "prefetch") -> None:
        self._items = items
        self._queue: queue.Queue[object] = queue.Queue(maxsize=ahead)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._produce, name=name, daemon=True)

    def __enter__(self) -> Prefetch[T]:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()  # a producer waiting on a full queue sees it within one put timeout
        self._thread.join()

    def __iter__(self) -> Iterator[T]:
        while True:
            item = self._queue.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]

    def _put(self, item: object) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def _produce(self) -> None:
        try:
            for item in self._items:
                if not self._put(item):
                    return
        except BaseException as exc:  # handed to the consumer, raised there
            self._put(exc)
            return
        self._put(_DONE)
