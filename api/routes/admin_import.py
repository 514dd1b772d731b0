"""Admin route: import master data or service visits from a CSV or JSON Lines body (the engine of
``carecast import``, core/masterdata/engine.py), with the same report."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from api.deps import AdminCaller, Conn, Settings
from api.errors import ApiError
from api.schemas.admin_import import ImportRefused, ImportReport
from api.schemas.common import error_responses
from core.masterdata.engine import ImportFailed, ImportOptions, ImportSource, import_file
from core.masterdata.readers import FileFormat
from domain.masterdata import ENTITIES, EntityName

router = APIRouter(prefix="/v1/admin/import", tags=["managers"])
log = structlog.get_logger("api.admin_import")

CONTENT_TYPES = {
    "text/csv": FileFormat.CSV,
    "application/x-ndjson": FileFormat.JSONL,
    "application/jsonl": FileFormat.JSONL,
}


async def upload(request: Request, _caller: AdminCaller) -> tuple[FileFormat, bytes]:
    """Return the body and its format from Content-Type, after the caller was authorized (415 otherwise).

    The body is already capped by the API's body limit (CARECAST_API__MAX_BODY_BYTES): bigger files go through
    ``carecast import``.
    """
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if (fmt := CONTENT_TYPES.get(media)) is None:
        raise ApiError(
            415, "unsupported_media_type", f"send text/csv or application/x-ndjson, not {media or 'none'}"
        )
    return fmt, await request.body()


Upload = Annotated[tuple[FileFormat, bytes], Depends(upload)]

_RESPONSES: dict[int | str, dict[str, Any]] = {
    **error_responses(401, 403, 503),
    413: {
        "model": error_responses(401)[401]["model"],
        "description": "The body is over the API's size limit",
    },
    415: {
        "model": error_responses(401)[401]["model"],
        "description": "Content-Type is not CSV or JSON Lines",
    },
    422: {
        "model": ImportRefused,
        "description": "The file has bad rows (nothing written); the report lists them",
    },
}


@router.post(
    "/{entity}",
    response_model=ImportReport,
    summary="Import master data or service visits (CSV or JSON Lines body)",
    responses=_RESPONSES,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"text/csv": {"schema": {"type": "string"}},
                        "application/x-ndjson": {"schema": {"type": "string"}}},
        }
    },
)  # fmt: skip
def import_entity(
    entity: EntityName,
    conn: Conn,
    settings: Settings,
    body: Upload,
    dry_run: Annotated[bool, Query(description="Count what would change; write nothing")] = False,
    skip_bad: Annotated[bool, Query(description="Write the good rows of a file that has bad ones")] = False,
) -> Any:
    """Import one file of an entity (docs/import.md); admin keys only. 200 with the report when the rows were
    written (or counted, for a dry run); 422 with the report when bad rows kept the file from being written."""
    fmt, data = body
    source = ImportSource(f"{entity}.{fmt}", io.BytesIO(data), len(data), fmt)
    try:
        report = import_file(
            conn, entity=ENTITIES[entity], source=source, options=ImportOptions(dry_run, skip_bad),
            settings=settings.masterdata, now=datetime.now(UTC), log=log,
        )  # fmt: skip
    except ImportFailed as exc:
        raise ApiError(422, "refused_by_database", str(exc)) from exc
    if report.bad_rows and not report.written and not (dry_run and skip_bad):
        message = f"{report.bad_rows} bad rows, nothing written; fix them or pass skip_bad=true"
        refused = ImportRefused.model_validate(
            {"error": {"code": "bad_rows", "message": message}, "report": report}
        )
        return JSONResponse(refused.model_dump(mode="json"), status_code=422)
    return report
