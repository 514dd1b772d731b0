"""What is wrong with an import file: one `RowError` per bad row, field or file-level problem."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem in an import file: the line (1 = the CSV header or the first JSON line; None = the whole file),
    the column or field (None when the whole row or file is meant), and why, in words an operator can act on."""

    line: int | None
    field: str | None
    reason: str

    def describe(self, file: str) -> str:
        """Return the problem as one line: ``FILE:LINE: FIELD: REASON``."""
        where = file if self.line is None else f"{file}:{self.line}"
        return f"{where}: {self.field}: {self.reason}" if self.field else f"{where}: {self.reason}"
