"""The SQL statements of `ingest`: one constant per file in this folder, the name of the file in upper case
(tests/core/test_sql_files.py checks that each file has one, and that each is used)."""

from core.db import SqlFile

COLUMN_TYPES = SqlFile("ingest", "column_types")
COPY_STAGING = SqlFile("ingest", "copy_staging")
COPY_TELEMETRY = SqlFile("ingest", "copy_telemetry")
CREATE_STAGING = SqlFile("ingest", "create_staging")
INSERT_REJECTS = SqlFile("ingest", "insert_rejects")
INSERT_TELEMETRY = SqlFile("ingest", "insert_telemetry")
PRUNE_REJECTS = SqlFile("ingest", "prune_rejects")
VEHICLE_IDS = SqlFile("ingest", "vehicle_ids")
VEHICLE_IDS_FOR = SqlFile("ingest", "vehicle_ids_for")
