"""The suggested-bookings feed, ``GET /v1/service-centers/{center_id}/suggested-bookings``: the API's hot path.

A service center polls it with its API key. One request travels, outermost first:

1. ``api/ops/telemetry.py`` starts the clock (the access line and metrics see every answer below, cache hits too).
2. ``api/ops/body_limit.py`` (a GET has no body; nothing to refuse).
3. ``fastpath.FeedFastPath`` (pure ASGI, before FastAPI routing): a *canonical* poll (``limit``, ``cursor``,
   ``status`` only) by a key already in the principal cache, in scope (``api/auth/scope.py``, the same rule as
   every center route) and within its rate, whose page is cached, is answered with the cached bytes. Anything else
   goes on.
4. ``api/routes/centers.py`` validates the parameters (422) and hands over to ``page.suggested_bookings``:
   * a known key and a cached page (e.g. a poll with ``since``): the same answer from memory, via
     ``page.cached_page``, the function the fast path uses;
   * otherwise one SQL statement (``api/sql/feed_page.sql``) on a pooled connection in autocommit: it finds the
     key by its hash, stamps its last use and cuts the page in one round trip; ``api/auth/principals.py``
     admits the key (401), the rate limit (429) and the center scope (403 / admin 404) decide as on every route,
     then the cursor (400); the page's JSON is assembled from items the SQL already rendered.
   * the key and the page are stored in ``cache`` under tickets taken *before* the read.
   Every answer carries ``Cache-Status`` (RFC 9211: hit, fwd=miss with or without stored, fwd=bypass; see
   ``page.CACHE_HIT``), so a poller can tell a cache hit from a database read.
5. ``listener.FeedListener``, one thread per process, LISTENs for the notifications the triggers of migration
   0019 send at COMMIT and drops the changed center's pages (or the changed key); while it is not listening the
   caches are off and every poll reads PostgreSQL. It also stamps ``last_used_at`` of keys served from memory.

``cursor`` holds the opaque pagination cursors (the other lists of the API use them as well).
"""
