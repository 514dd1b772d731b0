-- Take one shard of the running pass: a pending one, or one whose holder's lease lapsed (the holder died or lost the
-- database), unless it was tried max_attempts times already. SKIP LOCKED: two workers claiming at once get
-- different shards.
-- Leases are on the database clock (clock_timestamp, not the pass time): one clock for every worker on any host.
UPDATE detection_shard s
SET state = 'running',
    holder = %(holder)s,
    lease_until = clock_timestamp() + make_interval(secs => %(lease_s)s),
    attempts = s.attempts + 1,
    started_at = clock_timestamp()
FROM (
    SELECT c.pass_id, c.shard
    FROM detection_shard c
    JOIN detection_pass p ON p.id = c.pass_id
    WHERE p.state = 'running'
      AND c.attempts < %(max_attempts)s
      AND (c.state = 'pending' OR (c.state = 'running' AND c.lease_until < clock_timestamp()))
    ORDER BY c.pass_id, c.shard
    LIMIT 1
    FOR UPDATE OF c SKIP LOCKED
) picked
JOIN detection_pass p ON p.id = picked.pass_id
WHERE s.pass_id = picked.pass_id AND s.shard = picked.shard
RETURNING s.pass_id, s.shard, s.attempts, p.pass_at, p.shards, p.lookback_days, p.scope, p.vehicle_ids,
          p.newest_received, p.refreshed_from, p.storage_mode, p.leader;
