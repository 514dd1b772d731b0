-- Hand a shard back (its worker failed on it): pending again at once, instead of after its lease.
UPDATE detection_shard
SET state = 'pending', lease_until = NULL
WHERE pass_id = %(pass_id)s AND shard = %(shard)s AND holder = %(holder)s AND state = 'running'
RETURNING shard;
