-- Release a periodic service's leader lock.
SELECT pg_advisory_unlock(%(key)s);
