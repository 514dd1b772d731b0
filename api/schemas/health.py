"""Response models of the liveness and readiness probes."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class Liveness(BaseModel):
    """The process is up and serving requests."""

    status: Literal["alive"] = "alive"


class Check(BaseModel):
    """Outcome of one readiness check."""

    ok: bool
    detail: str = Field(examples=["reachable"])


class ReadinessChecks(BaseModel):
    """Every dependency the API needs before it takes traffic."""

    database: Check
    migrations: Check
    storage: Check
    broker: Check


class Readiness(BaseModel):
    """``ready`` only when every check passed (HTTP 200); otherwise ``not_ready`` with HTTP 503."""

    status: Literal["ready", "not_ready"]
    checks: ReadinessChecks
