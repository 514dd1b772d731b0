-- Serialises requests carrying the same Idempotency-Key, so a replay waits for the first answer.
SELECT pg_advisory_xact_lock(hashtextextended(%(scope)s || ':' || %(key)s, 0))
