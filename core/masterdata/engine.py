"""One import file into the master-data tables, in one transaction: read (streaming), parse and check each row,
resolve references and upsert by natural key in batches, then commit or roll back.

The master-data tables (service_center, center_calendar_day, advisor, technician and its shifts and absences,
part, part_stock, customer, customer_consent, vehicle) are written by this package only; visits go through
core/service_history.py. By default a file with any bad row writes nothing; ``skip_bad`` writes the good rows;
``dry_run`` does all the work (so its counts are exact) and rolls it back.
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, BinaryIO

import psycopg

from core.db import query
from core.errors import CarecastError
from core.masterdata.catalog import write_parts, write_stock
from core.masterdata.network import write_advisors, write_calendar, write_centers, write_technicians
from core.masterdata.owners import write_customers, write_vehicles
from core.masterdata.prefetch import Prefetch
from core.masterdata.readers import CountingReader, FileFormat, read_rows
from core.masterdata.report import EXAMPLES, BadRow, BatchResult, Examples, ImportReport
from core.masterdata.visits import write_visits
from core.masterdata.writers import Numbered, Writer
from core.progress import Progress
from core.settings import MasterdataSettings
from core.sql import MASTERDATA_LOCK
from domain.masterdata import DuplicateKeys, Entity, EntityName, Record, RowError, parse_row, size_error

WRITERS: dict[EntityName, Writer] = {
    EntityName.CENTERS: write_centers,
    EntityName.CALENDAR: write_calendar,
    EntityName.ADVISORS: write_advisors,
    EntityName.TECHNICIANS: write_technicians,
    EntityName.PARTS: write_parts,
    EntityName.STOCK: write_stock,
    EntityName.CUSTOMERS: write_customers,
    EntityName.VEHICLES: write_vehicles,
    EntityName.VISITS: write_visits,
}


class ImportFailed(CarecastError):
    """The database refused a batch that passed every check (a constraint the records do not know)."""


@dataclass(frozen=True, slots=True)
class ImportSource:
    """A file to import: the name errors give, its bytes as a stream, its size, and its format."""

    name: str
    stream: BinaryIO
    size: int
    fmt: FileFormat


@dataclass(frozen=True, slots=True)
class ImportOptions:
    """``dry_run``: count, write nothing. ``skip_bad``: write the good rows of a file that has bad ones."""

    dry_run: bool = False
    skip_bad: bool = False


@dataclass(slots=True)
class _Tally:
    """Running totals of one import."""

    max_errors: int
    rows: int = 0
    bad_rows: int = 0
    keys: int = 0
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)
    unlisted: int = 0
    examples: Examples = field(default_factory=Examples)

    def bad(self, errors: Sequence[RowError]) -> None:
        self.bad_rows += len({e.line for e in errors})
        room = max(0, self.max_errors - len(self.errors))
        self.errors += errors[:room]
        self.unlisted += max(0, len(errors) - room)

    def merge(self, other: _Tally) -> _Tally:
        """Return both tallies as one, the listed errors in line order (whole-file problems first)."""
        errors = sorted(self.errors + other.errors, key=lambda e: -1 if e.line is None else e.line)
        return _Tally(
            self.max_errors, rows=self.rows + other.rows, bad_rows=self.bad_rows + other.bad_rows,
            keys=self.keys + other.keys, created=self.created + other.created, updated=self.updated + other.updated,
            errors=errors[: self.max_errors],
            unlisted=self.unlisted + other.unlisted + max(0, len(errors) - self.max_errors),
            examples=self.examples,
        )  # fmt: skip

    def add(self, result: BatchResult) -> None:
        self.bad(result.errors)
        created, updated = result.changes.counts()
        self.keys += result.keys
        self.created += created
        self.updated += updated
        self.examples.created += result.changes.created[: EXAMPLES - len(self.examples.created)]
        self.examples.updated += result.changes.updated[: EXAMPLES - len(self.examples.updated)]


def import_file(
    conn: psycopg.Connection,
    *,
    entity: Entity,
    source: ImportSource,
    options: ImportOptions,
    settings: MasterdataSettings,
    now: datetime,
    log: Any,
    progress: Progress | None = None,
) -> ImportReport:
    """Import one file of `entity`; return the report (``written`` says whether the changes were committed)."""
    tally = _Tally(settings.max_errors)  # written by this thread: batches, their bad rows (references)
    found = _Tally(settings.max_errors)  # written by the parsing thread: rows read, rows that do not parse
    limit = int(settings.max_file_mb * 1024 * 1024)
    if (too_big := size_error(source.size, limit=limit)) is not None:
        found.bad([too_big])
        return _report(tally.merge(found), entity=entity, source=source, options=options, written=False)
    writer = WRITERS[entity.name]
    counter = CountingReader(source.stream)
    bar = progress or Progress()
    bar.phase(f"import {entity.name} from {source.name}", total=source.size)
    batches = _parsed_batches(counter, entity=entity, fmt=source.fmt, size=settings.batch_rows, found=found)

    def write(batch: list[Numbered]) -> None:
        started = time.monotonic()
        try:
            with conn.transaction():
                result = writer(conn, batch, now=now)
        except (psycopg.errors.IntegrityError, psycopg.errors.DataError) as exc:
            first, last = batch[0][0], batch[-1][0]
            raise ImportFailed(
                f"{source.name}: the database refused a row on lines {first}-{last}: {exc.diag.message_primary}"
            ) from exc
        tally.add(result)
        created, updated = result.changes.counts()
        log.info(
            "import.batch", entity=str(entity.name), file=source.name, rows=len(batch), keys=result.keys,
            created=created, updated=updated, bad=len(result.errors), dry_run=options.dry_run,
            elapsed_ms=int((time.monotonic() - started) * 1000),
        )  # fmt: skip
        bar.set(counter.consumed)

    with conn.transaction() as tx:
        conn.execute(query(MASTERDATA_LOCK))
        with Prefetch(batches, name=f"import-{entity.name}") as ahead:
            for batch in ahead:
                write(batch)
        total = tally.merge(found)
        written = not options.dry_run and (total.bad_rows == 0 or options.skip_bad)
        if not written:
            raise psycopg.Rollback(tx)
    return _report(total, entity=entity, source=source, options=options, written=written)


def _parsed_batches(
    stream: CountingReader, *, entity: Entity, fmt: FileFormat, size: int, found: _Tally
) -> Iterator[list[Numbered]]:
    """Yield the file's good rows in batches of `size`; count every row and keep the bad ones in `found`."""
    duplicates = DuplicateKeys(entity)
    batch: list[Numbered] = []
    for item in read_rows(io.BufferedReader(stream), fmt=fmt, entity=entity):
        if isinstance(item, RowError):
            found.bad([item])
            continue
        found.rows += 1
        parsed = parse_row(entity, item.values, line=item.line)
        if isinstance(parsed, list):
            found.bad(parsed)
        elif repeated := duplicates.check(parsed, line=item.line):
            found.bad(repeated)
        else:
            batch.append((item.line, parsed))
            if len(batch) >= size:
                yield batch
                batch = []
    if batch:
        yield batch


def _report(
    tally: _Tally, *, entity: Entity, source: ImportSource, options: ImportOptions, written: bool
) -> ImportReport:
    return ImportReport(
        entity=str(entity.name),
        file=source.name,
        format=str(source.fmt),
        dry_run=options.dry_run,
        skip_bad=options.skip_bad,
        written=written,
        rows=tally.rows,
        bad_rows=tally.bad_rows,
        keys=tally.keys,
        created=tally.created,
        updated=tally.updated,
        unchanged=tally.keys - tally.created - tally.updated,
        examples=tally.examples,
        errors=[BadRow(line=e.line, field=e.field, reason=e.reason) for e in tally.errors],
        unlisted_errors=tally.unlisted,
    )


@dataclass(frozen=True, slots=True)
class Written:
    """What `write_records` did."""

    created: int
    updated: int
    unchanged: int


def write_records(
    conn: psycopg.Connection,
    *,
    entity: Entity,
    records: Sequence[Record],
    now: datetime,
    batch_rows: int = 5000,
) -> Written:
    """Upsert records a program built (the simulator's fleet), in the caller's transaction, through the same
    writers as a file; raise ImportFailed on the first refused record (a repeated key, an unknown reference)."""
    conn.execute(query(MASTERDATA_LOCK))
    duplicates = DuplicateKeys(entity)
    created = updated = keys = 0
    for start in range(0, len(records), batch_rows):
        batch = [(start + i + 1, r) for i, r in enumerate(records[start : start + batch_rows])]
        problems = [e for line, r in batch for e in duplicates.check(r, line=line)]
        result = BatchResult(errors=problems) if problems else WRITERS[entity.name](conn, batch, now=now)
        if result.errors:
            e = result.errors[0]
            raise ImportFailed(f"{entity.name}: record {e.line}: {e.field}: {e.reason}")
        batch_created, batch_updated = result.changes.counts()
        created, updated, keys = created + batch_created, updated + batch_updated, keys + result.keys
    return Written(created, updated, keys - created - updated)
