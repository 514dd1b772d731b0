"""One LISTEN connection per API process: keeps the feed caches honest and stamps cached keys' last use.

A daemon thread connects, LISTENs on the channels of migration 0019, then enables the caches; each notification
drops one center's pages (or one key). When the connection fails the caches are disabled and cleared first, and
the thread reconnects every `retry_s` (the caches come back only once LISTEN succeeded again). Between
notifications it stamps ``last_used_at`` of keys that were served from the principal cache (one UPDATE per batch).
"""

from __future__ import annotations

import threading
import time
from typing import Any

import psycopg

from api.feed.cache import PageCache, PrincipalCache, UsageLog
from api.sql import API_KEY_TOUCH, FEED_LISTEN, FEED_TRIGGERS_PRESENT
from core.db import query

APPLICATION_NAME = "carecast-api-listener"


def apply_notification(channel: str, payload: str, *, pages: PageCache, principals: PrincipalCache) -> None:
    """Drop what a notification says changed; anything unexpected drops everything on that channel."""
    target = int(payload) if payload.isdigit() else None
    if channel == "carecast_feed":
        pages.invalidate(target) if target is not None else pages.invalidate_all()
    elif channel == "carecast_api_key":
        principals.invalidate(target) if target is not None else principals.invalidate_all()


class FeedListener:
    """The listener thread of one API process (``start`` in the app's lifespan, ``stop`` on shutdown)."""

    def __init__(
        self,
        url: str,
        *,
        pages: PageCache,
        principals: PrincipalCache,
        usage: UsageLog,
        logger: Any,
        retry_s: float,
        poll_s: float = 0.25,
    ) -> None:
        self.url = url
        self.pages, self.principals, self.usage = pages, principals, usage
        self.log = logger
        self.retry_s, self.poll_s = retry_s, poll_s
        self.listening = False
        self.notifications = 0
        self.connects = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="feed-listener", daemon=True)

    def start(self) -> None:
        """Start the thread (the caches stay disabled until it listens)."""
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread and disable the caches."""
        self._stop.set()
        self._thread.join(timeout=self.poll_s + 5)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._listen()
            except Exception as exc:  # noqa: BLE001 - whatever broke, the caches go off and the thread retries
                self.log.warning("feed_listener_lost", error=str(exc).strip(), retry_s=self.retry_s)
            finally:
                self._disable()
            self._stop.wait(self.retry_s)

    def _listen(self) -> None:
        with psycopg.connect(self.url, autocommit=True, application_name=APPLICATION_NAME) as conn:
            for statement in filter(str.strip, query(FEED_LISTEN).split(";\n")):
                conn.execute(statement)
            present = conn.execute(query(FEED_TRIGGERS_PRESENT)).fetchone()
            if present is None or not present[0]:
                # Not migrated to 0019: nothing would ever invalidate, so the caches stay off.
                self.log.error("feed_cache_off", reason="notify triggers missing: run `carecast migrate`")
                return
            # Only now: every commit from here on notifies us, and pages read from here on are fresh.
            self.pages.enable()
            self.principals.enable()
            self.listening = True
            self.connects += 1
            self.log.info("feed_listener_listening")
            while not self._stop.is_set():
                batch = 0
                for note in conn.notifies(timeout=self.poll_s):
                    apply_notification(
                        note.channel, note.payload, pages=self.pages, principals=self.principals
                    )
                    batch += 1
                self.notifications += batch
                stamped = self._stamp_usage(conn)
                if batch or stamped:
                    self.log.info("feed_listener_batch", notifications=batch, keys_stamped=stamped)

    def _stamp_usage(self, conn: psycopg.Connection) -> int:
        due = self.usage.take(now=time.monotonic())
        if due:
            conn.execute(query(API_KEY_TOUCH), {"ids": due})
        return len(due)

    def _disable(self) -> None:
        if self.listening:
            self.log.warning("feed_cache_disabled")
        self.listening = False
        self.pages.disable()
        self.principals.disable()
