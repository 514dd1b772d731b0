"""Master data of a dealer network as import files carry it: typed records, parsing, file-level checks. Pure.

The reading of files and the writing of tables are core/masterdata's; this package only decides what a row
means and whether it is acceptable.
"""

from domain.masterdata.checks import DuplicateKeys, header_errors, size_error
from domain.masterdata.entities import ENTITIES, Entity, EntityName, Key, parse_row
from domain.masterdata.errors import RowError
from domain.masterdata.record import Record

__all__ = [
    "ENTITIES",
    "DuplicateKeys",
    "Entity",
    "EntityName",
    "Key",
    "Record",
    "RowError",
    "header_errors",
    "parse_row",
    "size_error",
]
