"""The SQL statements of `simulators`: one constant per file in this folder, the name of the file in upper case
(tests/core/test_sql_files.py checks that each file has one, and that each is used)."""

from core.db import SqlFile

INSERT_GROUND_TRUTH = SqlFile("simulators", "insert_ground_truth")
VEHICLE_IDS = SqlFile("simulators", "vehicle_ids")
