"""In-process caches behind the suggested-bookings feed (pure: no I/O, the caller passes the clock reading in).

* ``PageCache``: the exact response bytes of feed pages, per service center.
* ``PrincipalCache``: API key digest -> principal, for live keys only (an expiring key's principal is refused
  from its expiry on, checked on every hit by the ``live`` predicate the app passes in).
* ``UsageLog``: which keys were used since their last ``last_used_at`` stamp from this process.

Correctness rests on invalidation, not on expiry: ``api.feed.listener`` LISTENs for the notifications the
triggers of migration 0019 send at COMMIT and calls ``invalidate``; while it is not listening the caches are
disabled (every request reads PostgreSQL). A reader takes a ``ticket`` *before* it reads the database and stores
its answer with that ticket; an invalidation (or disable/enable) in between makes the ticket stale and the store a
no-op, so a page read before a change can never be kept after the change's notification. ``max_age_s`` is only a
backstop.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class Ticket:
    """The cache's generation when a database read started (see the module docstring)."""

    epoch: int
    generation: int


class PageCache:
    """Response bodies keyed by (center, page key); a center's pages are dropped together.

    Bounded: at most `max_pages_per_center` pages per center (oldest dropped first) and `max_bytes` in all (over
    it, everything is dropped). Disabled until ``enable`` is called.
    """

    def __init__(self, *, max_age_s: float, max_bytes: int, max_pages_per_center: int) -> None:
        self.max_age_s = max_age_s
        self.max_bytes = max_bytes
        self.max_pages_per_center = max_pages_per_center
        self._lock = threading.Lock()
        self._enabled = False
        self._epoch = 0
        self._generations: dict[int, int] = {}
        self._pages: dict[int, OrderedDict[Hashable, tuple[bytes, float]]] = {}
        self._bytes = 0

    @property
    def enabled(self) -> bool:
        """True while invalidations are being received (pages may be served)."""
        return self._enabled

    def ticket(self, center_id: int) -> Ticket | None:
        """Return the ticket to store a page read from now on, or None while the cache is disabled."""
        with self._lock:
            if not self._enabled:
                return None
            return Ticket(self._epoch, self._generations.get(center_id, 0))

    def get(self, center_id: int, key: Hashable, *, now: float) -> bytes | None:
        """Return the cached body, or None (missing, expired or cache disabled)."""
        with self._lock:
            if not self._enabled:
                return None
            pages = self._pages.get(center_id)
            entry = pages.get(key) if pages is not None else None
            if entry is None or now - entry[1] > self.max_age_s:
                return None
            return entry[0]

    def put(self, ticket: Ticket | None, center_id: int, key: Hashable, body: bytes, *, now: float) -> bool:
        """Store a body read under `ticket`; return False (nothing stored) when the ticket went stale."""
        with self._lock:
            if (
                ticket is None
                or not self._enabled
                or ticket != Ticket(self._epoch, self._generations.get(center_id, 0))
            ):
                return False
            pages = self._pages.setdefault(center_id, OrderedDict())
            old = pages.pop(key, None)
            if old is not None:
                self._bytes -= len(old[0])
            pages[key] = (body, now)
            self._bytes += len(body)
            if len(pages) > self.max_pages_per_center:
                self._bytes -= len(pages.popitem(last=False)[1][0])
            if self._bytes > self.max_bytes:
                self._clear()
            return True

    def invalidate(self, center_id: int) -> None:
        """Drop one center's pages and make tickets taken before now stale for it."""
        with self._lock:
            self._generations[center_id] = self._generations.get(center_id, 0) + 1
            for body, _ in self._pages.pop(center_id, {}).values():
                self._bytes -= len(body)

    def invalidate_all(self) -> None:
        """Drop every page and make every ticket taken before now stale."""
        with self._lock:
            self._clear()

    def enable(self) -> None:
        """Start serving pages (called once listening); what was cached before is dropped."""
        with self._lock:
            self._clear()
            self._enabled = True

    def disable(self) -> None:
        """Stop serving and storing pages (the listener lost its connection); drop everything."""
        with self._lock:
            self._clear()
            self._enabled = False

    def __len__(self) -> int:
        with self._lock:
            return sum(len(pages) for pages in self._pages.values())

    def _clear(self) -> None:
        self._epoch += 1
        self._generations.clear()
        self._pages.clear()
        self._bytes = 0


class PrincipalCache(Generic[V]):
    """Live API keys by digest: value and key id, kept at most `max_age_s` (the backstop to revocation notices).

    Expiry needs no notification: `live` (if given) is asked on every hit and a principal it refuses (an expired
    key) is dropped, so an expired key is never served from here, however recently it was cached.
    """

    def __init__(
        self, *, max_age_s: float, max_entries: int, live: Callable[[V], bool] | None = None
    ) -> None:
        self.max_age_s = max_age_s
        self.max_entries = max_entries
        self.live = live
        self._lock = threading.Lock()
        self._enabled = False
        self._epoch = 0
        self._entries: dict[bytes, tuple[V, int, float]] = {}

    def ticket(self) -> Ticket | None:
        """Return the ticket to store a principal read from now on, or None while disabled."""
        with self._lock:
            return Ticket(self._epoch, 0) if self._enabled else None

    def get(self, digest: bytes, *, now: float) -> V | None:
        """Return the principal for this digest, or None (unknown here, expired, or disabled)."""
        with self._lock:
            entry = self._entries.get(digest) if self._enabled else None
            if entry is None or now - entry[2] > self.max_age_s:
                return None
            if self.live is not None and not self.live(entry[0]):
                del self._entries[digest]
                return None
            return entry[0]

    def put(self, ticket: Ticket | None, digest: bytes, value: V, *, key_id: int, now: float) -> bool:
        """Store a live key's principal read under `ticket`; False when the ticket went stale."""
        with self._lock:
            if ticket is None or not self._enabled or ticket != Ticket(self._epoch, 0):
                return False
            if len(self._entries) >= self.max_entries:
                self._entries.clear()
            self._entries[digest] = (value, key_id, now)
            return True

    def invalidate(self, key_id: int) -> None:
        """Drop one key (revoked or changed); any read in flight may have seen the old row, so stale them all."""
        with self._lock:
            self._epoch += 1
            self._entries = {d: e for d, e in self._entries.items() if e[1] != key_id}

    def invalidate_all(self) -> None:
        """Drop every key."""
        with self._lock:
            self._epoch += 1
            self._entries.clear()

    def enable(self) -> None:
        """Start serving principals (once listening); drop what was there."""
        with self._lock:
            self._epoch += 1
            self._entries.clear()
            self._enabled = True

    def disable(self) -> None:
        """Stop serving and storing principals; drop everything."""
        with self._lock:
            self._epoch += 1
            self._entries.clear()
            self._enabled = False


class UsageLog:
    """Keys used since this process last stamped them: at most one ``last_used_at`` write per key per `every_s`."""

    def __init__(self, *, every_s: float, max_keys: int = 100_000) -> None:
        self.every_s = every_s
        self.max_keys = max_keys
        self._lock = threading.Lock()
        self._pending: set[int] = set()
        self._stamped: dict[int, float] = {}

    def seen(self, key_id: int, *, now: float) -> None:
        """Record one use of the key (a cache hit, which wrote nothing)."""
        stamped = self._stamped.get(key_id)
        if stamped is not None and now - stamped < self.every_s:
            return
        with self._lock:
            self._pending.add(key_id)

    def stamped(self, key_id: int, *, now: float) -> None:
        """Record that the database path stamped (or was free to stamp) this key just now."""
        with self._lock:
            if len(self._stamped) >= self.max_keys:
                self._stamped.clear()
            self._stamped[key_id] = now

    def take(self, *, now: float) -> list[int]:
        """Return the keys to stamp now (and count them as stamped)."""
        with self._lock:
            due = sorted(self._pending)
            self._pending.clear()
            if len(self._stamped) + len(due) >= self.max_keys:
                self._stamped.clear()
            for key_id in due:
                self._stamped[key_id] = now
            return due
