"""The root of every error Carecast raises on purpose (re-exported by core/errors.py).

It lives in the domain layer because the domain's own errors (e.g. LifecycleError) derive from it and the domain
imports nothing below it; every package's root exception derives from it, so a process boundary can tell "one of
ours, raised on purpose" from a bug or a third-party error.
"""


class CarecastError(Exception):
    """Root of every error Carecast raises on purpose."""
