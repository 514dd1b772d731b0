"""Streaming readers of import files: CSV (a header line, then one row per line) and JSON Lines (one object per
line). Rows come one at a time with their line number; a file is never held in memory."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import PurePath
from typing import Any, BinaryIO

from domain.masterdata import Entity, RowError, header_errors


class FileFormat(StrEnum):
    """The file formats an import reads."""

    CSV = "csv"
    JSONL = "jsonl"


EXTENSIONS = {".csv": FileFormat.CSV, ".jsonl": FileFormat.JSONL, ".ndjson": FileFormat.JSONL}


def format_of(name: str) -> FileFormat | None:
    """Return the format a file name's extension says, or None."""
    return EXTENSIONS.get(PurePath(name).suffix.lower())


@dataclass(frozen=True, slots=True)
class RawRow:
    """One row as read: its line number and its values (CSV text, JSON values); empty cells and nulls left out."""

    line: int
    values: dict[str, Any]


class CountingReader(io.RawIOBase):
    """A binary stream that counts the bytes read through it (the progress of an import)."""

    def __init__(self, inner: BinaryIO) -> None:
        self._inner = inner
        self.consumed = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._inner.read(len(buffer))
        buffer[: len(data)] = data
        self.consumed += len(data)
        return len(data)


def read_rows(stream: BinaryIO, *, fmt: FileFormat, entity: Entity) -> Iterator[RawRow | RowError]:
    """Yield each row of the file, or the error that makes a line (or the whole file) unreadable."""
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="" if fmt is FileFormat.CSV else None)
    try:
        yield from (_csv_rows(text, entity) if fmt is FileFormat.CSV else _jsonl_rows(text))
    except UnicodeDecodeError as exc:
        yield RowError(None, None, f"not UTF-8 text ({exc.reason} at byte {exc.start} of a read block)")
    finally:
        text.detach()


def _csv_rows(text: io.TextIOWrapper, entity: Entity) -> Iterator[RawRow | RowError]:
    reader = csv.reader(text, strict=True)
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        yield RowError(1, None, "empty file: the first line names the columns")
        return
    problems = header_errors(entity, header)
    yield from problems
    if problems:
        return  # every row would repeat the same complaint
    line = reader.line_num
    try:
        for cells in reader:
            start, line = line + 1, reader.line_num
            if not cells or cells == [""]:
                continue
            if len(cells) != len(header):
                yield RowError(start, None, f"{len(cells)} cells where the header has {len(header)}")
                continue
            yield RawRow(
                start, {name: cell for name, cell in zip(header, cells, strict=True) if cell.strip()}
            )
    except csv.Error as exc:
        yield RowError(line + 1, None, f"unreadable CSV: {exc}")


def _jsonl_rows(text: io.TextIOWrapper) -> Iterator[RawRow | RowError]:
    for line, body in enumerate(text, start=1):
        if not body.strip():
            continue
        try:
            value = json.loads(body)
        except json.JSONDecodeError as exc:
            yield RowError(line, None, f"invalid JSON: {exc.msg} at column {exc.colno}")
            continue
        if not isinstance(value, dict):
            yield RowError(line, None, f"expected a JSON object, got {type(value).__name__}")
            continue
        yield RawRow(line, {name: v for name, v in value.items() if v is not None})
