"""The SQL statements of `detection`: one constant per file in this folder, the name of the file in upper case
(tests/core/test_sql_files.py checks that each file has one, and that each is used)."""

from core.db import SqlFile

LOAD_DAILY = SqlFile("detection", "load_daily")
LOAD_DTC = SqlFile("detection", "load_dtc")
LOAD_SERVICE = SqlFile("detection", "load_service")
LOAD_SERVICE_HISTORY = SqlFile("detection", "load_service_history")
LOAD_WATERMARK = SqlFile("detection", "load_watermark")
RECEIVED_SINCE = SqlFile("detection", "received_since")
RESOLVE_RISKS = SqlFile("detection", "resolve_risks")
SAVE_WATERMARK = SqlFile("detection", "save_watermark")
UPSERT_QUALITY_FLAG = SqlFile("detection", "upsert_quality_flag")
UPSERT_RISK = SqlFile("detection", "upsert_risk")
