"""Carecast HTTP API: suggested bookings for service centers, alerts for owners, health for operators.

Where things live:

* ``__main__`` (``carecast api``), ``keys`` (``carecast keys``), ``app`` (the factory), ``settings``,
  ``state`` (the typed app state), ``deps`` (request dependencies: connection, callers, center scope), ``errors``.
* ``routes/`` and ``schemas/``: the HTTP surface, one module per audience; ``templates/``: the advisor page.
* ``auth/``: credentials, principals, the center-scope rule, sessions, signed links, rate limits, the key store.
* ``feed/``: the suggested-bookings feed, the hot path (its docstring walks one request).
* ``views/``: pure presentation; ``policy/``: pure checks of what callers send.
* ``store/``: database reads and booking actions over the named SQL in ``sql/``.
* ``ops/``: metrics, readiness, request telemetry, the body limit.
"""
