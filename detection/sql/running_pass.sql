-- The sharded pass still running, if any (at most one: detection_pass_one_running).
SELECT id, pass_at, shards, lookback_days, scope, vehicle_ids, newest_received, refreshed_from, storage_mode, leader
FROM detection_pass
WHERE state = 'running';
