"""Who is calling and what they may touch: credentials, principals, the center scope, sessions, signed links, limits.

* ``credentials``: the secrets themselves (generation, SHA-256 hashing, display prefixes, lifetimes); pure.
* ``principals``: the caller types and the one check that admits a looked-up API key or owner token.
* ``scope``: the one rule deciding which service center a caller may act on (403 / admin 404).
* ``links``: signed calendar feed links, which stand for an API key without carrying it.
* ``sessions``, ``signing``: the advisor page's cookie sessions and the HMAC behind them and the links.
* ``ratelimit``: the per-credential token buckets; ``key_store``: issuing, rotating, revoking credentials.

The FastAPI dependencies that chain these together (``CenterCaller``, ``CenterScope``, ``OwnerCaller``) are in
``api/deps.py``.
"""
