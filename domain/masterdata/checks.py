"""File-level checks of an import file: its size, its columns, and natural keys repeated within it."""

from __future__ import annotations

from collections.abc import Sequence

from domain.masterdata.entities import Entity, Key
from domain.masterdata.errors import RowError
from domain.masterdata.record import Record


def size_error(size: int, *, limit: int) -> RowError | None:
    """Return the error for a file of `size` bytes over `limit`, else None."""
    if size <= limit:
        return None
    return RowError(None, None, f"file is {size:,} bytes, over the {limit:,}-byte limit; split it")


def header_errors(entity: Entity, columns: Sequence[str], *, line: int = 1) -> list[RowError]:
    """Return the errors of a CSV header: missing required columns, unknown and repeated ones."""
    known = set(entity.columns())
    errors = [
        RowError(line, name, "missing required column") for name in entity.required() if name not in columns
    ]
    errors += [RowError(line, name, "unknown column") for name in columns if name not in known]
    seen: set[str] = set()
    for name in columns:
        if name in seen:
            errors.append(RowError(line, name, "repeated column"))
        seen.add(name)
    return errors


class DuplicateKeys:
    """Remembers each natural key seen in one file and reports a key seen twice (with the first line)."""

    def __init__(self, entity: Entity) -> None:
        self._entity = entity
        self._first: dict[Key, int] = {}

    def check(self, record: Record, *, line: int) -> list[RowError]:
        """Return an error for each of the record's keys an earlier line already had."""
        errors = []
        field = ",".join(self._entity.key_fields)
        for key in self._entity.keys(record):
            first = self._first.setdefault(key, line)
            if first != line:
                shown = "/".join(str(part) for part in key)
                errors.append(RowError(line, field, f"duplicate key {shown} (first on line {first})"))
        return errors
