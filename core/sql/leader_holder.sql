-- The backend pid holding a periodic service's leader lock (a bigint key is split into classid/objid).
SELECT pid
FROM pg_locks
WHERE locktype = 'advisory'
  AND granted
  AND classid = ((%(key)s::bigint >> 32) & 4294967295)::bigint::oid
  AND objid = (%(key)s::bigint & 4294967295)::bigint::oid
  AND objsubid = 1
  AND database = (SELECT oid FROM pg_database WHERE datname = current_database());
