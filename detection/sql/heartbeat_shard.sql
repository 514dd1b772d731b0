-- Extend the lease of a shard this worker still holds; no row when it was taken over (or released, or done).
UPDATE detection_shard
SET lease_until = clock_timestamp() + make_interval(secs => %(lease_s)s)
WHERE pass_id = %(pass_id)s AND shard = %(shard)s AND holder = %(holder)s AND state = 'running'
RETURNING lease_until;
