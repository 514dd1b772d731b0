"""The base of every master-data record: frozen, typed, unknown fields refused."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Record(BaseModel):
    """One row of an import file, validated: built from CSV text or JSON values alike (lax conversion)."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)
