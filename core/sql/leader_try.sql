-- Take a periodic service's leader lock (a session advisory lock) if nobody holds it (true when taken).
SELECT pg_try_advisory_lock(%(key)s);
