-- Mark a shard done with what it judged, only by its current holder: a worker whose lease was taken over cannot.
UPDATE detection_shard
SET state = 'done', finished_at = clock_timestamp(), lease_until = NULL, counts = %(counts)s
WHERE pass_id = %(pass_id)s AND shard = %(shard)s AND holder = %(holder)s AND state = 'running'
RETURNING shard;
