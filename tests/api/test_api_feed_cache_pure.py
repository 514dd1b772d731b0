"""The feed caches' rules without I/O: tickets, per-center invalidation, bounds, backstop ages, usage batching."""

from __future__ import annotations

from api.feed.cache import PageCache, PrincipalCache, UsageLog
from api.feed.fastpath import bearer_secret, canonical_poll
from api.feed.listener import apply_notification


def pages(**kwargs) -> PageCache:
    cache = PageCache(**({"max_age_s": 60.0, "max_bytes": 10_000, "max_pages_per_center": 4} | kwargs))
    cache.enable()
    return cache


def test_disabled_cache_neither_serves_nor_stores():
    cache = PageCache(max_age_s=60, max_bytes=10_000, max_pages_per_center=4)
    assert cache.ticket(1) is None
    assert not cache.put(cache.ticket(1), 1, "p", b"x", now=0)
    cache.enable()
    assert cache.put(cache.ticket(1), 1, "p", b"x", now=0)
    cache.disable()
    assert cache.get(1, "p", now=0) is None and len(cache) == 0


def test_pages_are_per_center_and_invalidated_per_center():
    cache = pages()
    assert cache.put(cache.ticket(1), 1, "p", b"a", now=0)
    assert cache.put(cache.ticket(2), 2, "p", b"b", now=0)
    assert cache.get(1, "p", now=1) == b"a" and cache.get(2, "p", now=1) == b"b"
    cache.invalidate(1)
    assert cache.get(1, "p", now=1) is None and cache.get(2, "p", now=1) == b"b"


def test_a_read_overtaken_by_an_invalidation_is_not_stored():
    cache = pages()
    ticket = cache.ticket(1)  # the read starts
    cache.invalidate(1)  # a change is notified meanwhile
    assert not cache.put(ticket, 1, "p", b"old", now=0)
    other = cache.ticket(2)
    cache.invalidate(1)  # another center's change does not stale center 2's read
    assert cache.put(other, 2, "p", b"fresh", now=0)
    everything = cache.ticket(2)
    cache.invalidate_all()
    assert not cache.put(everything, 2, "p", b"old", now=0)
    reenabled = cache.ticket(2)
    cache.disable()
    cache.enable()
    assert not cache.put(reenabled, 2, "p", b"old", now=0)


def test_pages_expire_and_stay_bounded():
    cache = pages(max_age_s=10, max_bytes=10, max_pages_per_center=2)
    for n in range(3):
        cache.put(cache.ticket(1), 1, n, b"xx", now=0)
    assert cache.get(1, 0, now=0) is None  # the oldest of three went
    assert cache.get(1, 2, now=10) == b"xx" and cache.get(1, 2, now=10.5) is None
    cache.put(cache.ticket(2), 2, "big", b"x" * 11, now=0)  # over max_bytes: everything goes
    assert len(cache) == 0


def test_principals_expire_and_drop_per_key():
    cache: PrincipalCache[str] = PrincipalCache(max_age_s=30, max_entries=10)
    assert cache.ticket() is None
    cache.enable()
    cache.put(cache.ticket(), b"d1", "key one", key_id=1, now=0)
    cache.put(cache.ticket(), b"d2", "key two", key_id=2, now=0)
    assert cache.get(b"d1", now=30) == "key one" and cache.get(b"d1", now=31) is None
    ticket = cache.ticket()
    cache.invalidate(1)
    assert cache.get(b"d1", now=0) is None and cache.get(b"d2", now=0) == "key two"
    assert not cache.put(ticket, b"d1", "key one", key_id=1, now=0)


def test_notifications_drop_what_they_name():
    page_cache, keys = pages(), PrincipalCache(max_age_s=30, max_entries=10)
    keys.enable()
    for center in (1, 2):
        page_cache.put(page_cache.ticket(center), center, "p", b"x", now=0)
    keys.put(keys.ticket(), b"d", "k", key_id=7, now=0)
    apply_notification("carecast_feed", "1", pages=page_cache, principals=keys)
    assert page_cache.get(1, "p", now=0) is None and page_cache.get(2, "p", now=0) == b"x"
    apply_notification("carecast_api_key", "8", pages=page_cache, principals=keys)
    assert keys.get(b"d", now=0) == "k"
    apply_notification("carecast_api_key", "7", pages=page_cache, principals=keys)
    assert keys.get(b"d", now=0) is None
    apply_notification("carecast_feed", "*", pages=page_cache, principals=keys)
    assert len(page_cache) == 0


def test_usage_is_written_at_most_once_a_minute_per_key():
    usage = UsageLog(every_s=60)
    usage.stamped(1, now=100)  # the database path stamped key 1
    usage.seen(1, now=130)
    usage.seen(2, now=130)
    assert usage.take(now=130) == [2]
    usage.seen(2, now=150)
    usage.seen(1, now=161)
    assert usage.take(now=161) == [1]
    assert usage.take(now=162) == []


def test_only_canonical_polls_take_the_shortcut():
    path = "/v1/service-centers/7/suggested-bookings"
    assert canonical_poll(path, b"") == (7, (0, 50, "suggested", None))
    assert canonical_poll(path, b"limit=25&cursor=MTI&status=accepted") == (7, (12, 25, "accepted", None))
    for query in [
        b"limit=0",
        b"limit=101",
        b"limit=050",
        b"limit=1&limit=2",
        b"cursor=MA",
        b"cursor=",
        b"status=bogus",
        b"since=2026-11-20T00:00:00Z",
        b"other=1",
    ]:
        assert canonical_poll(path, query) is None, query
    for other in [
        "/v1/service-centers/0/suggested-bookings",
        "/v1/service-centers/07/suggested-bookings",
        f"/v1/service-centers/{2**63}/suggested-bookings",
        "/v1/service-centers/7/cases",
    ]:
        assert canonical_poll(other, b"") is None, other


def test_bearer_secret_reads_one_authorization_header():
    assert bearer_secret([(b"authorization", b"Bearer cc_live_x ")]) == "cc_live_x"
    assert bearer_secret([(b"authorization", b"bearer cc_live_x")]) == "cc_live_x"
    assert bearer_secret([(b"authorization", b"Basic abc")]) is None
    assert bearer_secret([(b"authorization", b"Bearer ")]) is None
    assert bearer_secret([]) is None
    assert bearer_secret([(b"authorization", b"Bearer a"), (b"authorization", b"Bearer b")]) is None
