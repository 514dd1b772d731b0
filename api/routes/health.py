"""Operator routes: liveness and readiness probes, Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Response

from api.deps import Pool, Settings, State
from api.ops.readiness import readiness
from api.schemas.health import Liveness, Readiness

router = APIRouter(tags=["operations"])


@router.get("/livez", response_model=Liveness, summary="Liveness probe")
async def livez() -> Liveness:
    """Return 200 while the process serves requests; touches nothing else."""
    return Liveness()


@router.get(
    "/readyz",
    response_model=Readiness,
    summary="Readiness probe",
    responses={503: {"model": Readiness, "description": "At least one check failed"}},
)
def readyz(pool: Pool, settings: Settings, response: Response) -> Readiness:
    """Return 200 when the database is reachable and migrated and the broker accepts connections, else 503."""
    result = readiness(pool, settings.mqtt, timeout_s=settings.api.readiness_timeout_s)
    if result.status != "ready":
        response.status_code = 503
    return result


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text exposition format"}},
)
def metrics(state: State) -> Response:
    """Return request counts and latency per route template, method and status, in Prometheus text format."""
    body, content_type = state.metrics.exposition()
    return Response(content=body, media_type=content_type)
