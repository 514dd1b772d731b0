"""The API's error type and the handlers that turn every failure into ``{"error": {"code", "message"}}``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

import psycopg
import structlog
from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from psycopg_pool import PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from core.errors import CarecastError

log = structlog.get_logger("api")


class ApiError(CarecastError):
    """Root exception of the api package: an HTTP status with a stable machine code and a readable message."""

    def __init__(
        self, status: int, code: str, message: str, *, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})


def error_response(
    status: int,
    code: str,
    message: str,
    *,
    details: Sequence[Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """Return the JSON error envelope every non-2xx answer uses."""
    body: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        body["details"] = jsonable_encoder(details)
    return JSONResponse({"error": body}, status_code=status, headers=dict(headers or {}))


def _status_code_name(status: int) -> str:
    try:
        return HTTPStatus(status).phrase.lower().replace(" ", "_").replace("-", "_")
    except ValueError:
        return "http_error"


def _location(loc: Sequence[Any]) -> str:
    return ".".join(str(part) for part in loc)


def validation_message(errors: Sequence[Mapping[str, Any]]) -> str:
    """Return one readable sentence for pydantic errors, e.g. ``query.limit: Input should be ≤ 100``."""
    parts = []
    for err in errors:
        msg = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
        loc = _location(err.get("loc", ()))
        parts.append(f"{loc}: {msg}" if loc else msg)
    return "; ".join(parts) or "invalid request"


async def _api_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.code, exc.message, headers=exc.headers)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    details = [
        {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": e.get("type")} for e in errors
    ]
    return error_response(422, "validation_error", validation_message(errors), details=details)


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    return error_response(
        exc.status_code, _status_code_name(exc.status_code), str(exc.detail), headers=exc.headers
    )


async def _pool_timeout(request: Request, exc: Exception) -> JSONResponse:
    log.warning("db_pool_exhausted", path=request.url.path, error=str(exc))
    return error_response(
        503,
        "database_busy",
        "no database connection became free in time; retry shortly",
        headers={"Retry-After": "1"},
    )


async def _db_unavailable(request: Request, exc: Exception) -> JSONResponse:
    log.error("db_unavailable", path=request.url.path, error=str(exc))
    return error_response(
        503,
        "database_unavailable",
        "the database is not reachable; retry shortly",
        headers={"Retry-After": "5"},
    )


# Text PostgreSQL cannot store: NUL (refused by psycopg before sending), "\\u0000" in jsonb (22P05) and bytes
# invalid in the database encoding (22021). Request validation refuses NUL first; this is the backstop.
_UNSTORABLE_TEXT = (psycopg.errors.UntranslatableCharacter, psycopg.errors.CharacterNotInRepertoire)


def is_unstorable_text(exc: psycopg.DataError) -> bool:
    """Return True when the database refused a value because of its characters (a client's input, not a bug)."""
    if isinstance(exc, _UNSTORABLE_TEXT):
        return True
    return exc.sqlstate is None and "NUL" in str(exc)


async def _data_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, psycopg.DataError)
    if not is_unstorable_text(exc):
        return await _unexpected(request, exc)
    log.warning("unstorable_text", path=request.url.path, error=str(exc).strip())
    return error_response(
        422,
        "invalid_text",
        "a text value holds characters that cannot be stored (NUL or an invalid byte sequence)",
    )


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled_error", path=request.url.path, error=repr(exc), exc_info=exc)
    return error_response(500, "internal_error", "internal server error")


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers mapping API, validation, HTTP, database and unexpected errors to the envelope."""
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(PoolTimeout, _pool_timeout)
    app.add_exception_handler(psycopg.OperationalError, _db_unavailable)
    app.add_exception_handler(psycopg.DataError, _data_error)
    app.add_exception_handler(Exception, _unexpected)
