-- Serialises "read busy slots, then insert suggestions" across notifier processes so two of them never offer
-- the same technician slot. Held until the transaction ends.
SELECT pg_advisory_xact_lock(%(key)s)
