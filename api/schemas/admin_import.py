"""Bodies of the admin import route: the report (core/masterdata/report.py) and the refusal that carries it."""

from __future__ import annotations

from pydantic import BaseModel

from api.schemas.common import ErrorBody
from core.masterdata.report import ImportReport

__all__ = ["ImportRefused", "ImportReport"]


class ImportRefused(BaseModel):
    """422 for a file with bad rows (nothing written): the error envelope, and the report listing each bad row."""

    error: ErrorBody
    report: ImportReport
