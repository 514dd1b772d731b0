"""Which service center a caller may act on: the one rule of every center route, the feed and its fast path."""

from __future__ import annotations

from collections.abc import Callable

from api.auth.principals import CenterPrincipal
from api.errors import ApiError


def center_refusal(
    caller: CenterPrincipal, center_id: int, *, center_found: Callable[[], bool] | None = None
) -> ApiError | None:
    """Return why the caller may not act on the center, or None when it may.

    403 for another center's key, whether or not that center exists (ids cannot be probed). 404 for an admin key
    naming a center that does not exist, where the route asks (`center_found`, consulted for admin keys only);
    elsewhere the route's own lookup answers for a missing center.
    """
    if not caller.may_read_center(center_id):
        return ApiError(403, "forbidden", "this API key does not grant access to that service center")
    if center_found is not None and caller.role == "admin" and not center_found():
        return ApiError(404, "not_found", "service center not found")
    return None
