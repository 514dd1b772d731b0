-- Release the detection scheduler's session advisory lock.
SELECT pg_advisory_unlock(%(key)s);
