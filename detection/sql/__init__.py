"""The SQL statements of `detection`: one constant per file in this folder, the name of the file in upper case
(tests/core/test_sql_files.py checks that each file has one, and that each is used)."""

from core.db import SqlFile

CLAIM_SHARD = SqlFile("detection", "claim_shard")
FINISH_PASS = SqlFile("detection", "finish_pass")
FINISH_SHARD = SqlFile("detection", "finish_shard")
HEARTBEAT_SHARD = SqlFile("detection", "heartbeat_shard")
LOAD_DAILY = SqlFile("detection", "load_daily")
LOAD_DTC = SqlFile("detection", "load_dtc")
LOAD_SERVICE = SqlFile("detection", "load_service")
LOAD_SERVICE_HISTORY = SqlFile("detection", "load_service_history")
LOAD_WATERMARK = SqlFile("detection", "load_watermark")
PLAN_PASS = SqlFile("detection", "plan_pass")
PLAN_SHARDS = SqlFile("detection", "plan_shards")
PRUNE_PASSES = SqlFile("detection", "prune_passes")
RECEIVED_SINCE = SqlFile("detection", "received_since")
RELEASE_SHARD = SqlFile("detection", "release_shard")
RESOLVE_RISKS = SqlFile("detection", "resolve_risks")
RUNNING_PASS = SqlFile("detection", "running_pass")
SAVE_WATERMARK = SqlFile("detection", "save_watermark")
SHARD_PROGRESS = SqlFile("detection", "shard_progress")
SHARD_RESULTS = SqlFile("detection", "shard_results")
UPSERT_QUALITY_FLAG = SqlFile("detection", "upsert_quality_flag")
UPSERT_RISK = SqlFile("detection", "upsert_risk")
