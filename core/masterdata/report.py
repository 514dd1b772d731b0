"""What an import did or would do: counts, a few example keys, and every bad row (file, line, field, reason)."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel, Field

from domain.masterdata import RowError

# Keys shown per kind of change (dry runs show what would change).
EXAMPLES = 5


class BadRow(BaseModel):
    """One problem: the line (None = the whole file), the column or field (None = the whole row), and why."""

    line: int | None
    field: str | None
    reason: str


class Examples(BaseModel):
    """A few natural keys of rows created and updated."""

    created: list[str] = Field(default_factory=list)
    updated: list[str] = Field(default_factory=list)


class ImportReport(BaseModel):
    """The outcome of one import file; ``written`` says whether its changes were committed."""

    entity: str
    file: str
    format: str
    dry_run: bool
    skip_bad: bool
    written: bool = Field(description="true when the changes were committed")
    rows: int = Field(description="data rows read")
    bad_rows: int = Field(description="rows (or file-level problems) refused")
    keys: int = Field(description="natural keys in the good rows (a calendar range counts each day)")
    created: int
    updated: int
    unchanged: int
    examples: Examples
    errors: list[BadRow] = Field(
        description="the problems, the first CARECAST_MASTERDATA__MAX_ERRORS of them"
    )
    unlisted_errors: int = Field(default=0, description="problems over that limit, counted but not listed")

    def problems(self) -> list[str]:
        """Return each listed bad row as one line ``FILE:LINE: FIELD: REASON``."""
        return [RowError(e.line, e.field, e.reason).describe(self.file) for e in self.errors]

    def summary(self) -> str:
        """Return one line saying what was (or would be) changed."""
        counts = f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"
        if self.dry_run:
            state = "dry run, nothing written"
        elif self.written:
            state = "written"
        else:
            state = "nothing written"
        bad = f"; {self.bad_rows} bad rows" if self.bad_rows else ""
        return f"{self.entity} from {self.file}: {self.rows} rows, {counts}{bad} ({state})"


@dataclass(frozen=True, slots=True)
class Changes:
    """The natural keys (as text) a batch created and updated; the rest of its keys were unchanged."""

    created: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    # Changes counted without their keys (the service history reports counts only).
    unnamed_created: int = 0
    unnamed_updated: int = 0

    def counts(self) -> tuple[int, int]:
        """Return (created, updated)."""
        return len(self.created) + self.unnamed_created, len(self.updated) + self.unnamed_updated

    def also_updated(self, keys: set[str]) -> Changes:
        """Return these changes with `keys` counted as updated too (children of a row changed), unless created."""
        extra = keys - set(self.created) - set(self.updated)
        return Changes(
            self.created, self.updated + tuple(sorted(extra)), self.unnamed_created, self.unnamed_updated
        )


@dataclass(frozen=True, slots=True)
class BatchResult:
    """What one batch did: its bad rows, its changes, and how many natural keys its good rows carry."""

    errors: list[RowError] = field(default_factory=list)
    changes: Changes = Changes()
    keys: int = 0
