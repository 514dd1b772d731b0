-- One slice of remembered API answers (Idempotency-Key replays, which may quote an owner's booking) older than
-- the retention; a replay after that is answered as a new request (the booking actions are idempotent anyway).
DELETE FROM idempotency_record
WHERE (scope, key) IN (
    SELECT scope, key FROM idempotency_record
    WHERE created_at < %(cutoff)s
    ORDER BY created_at
    LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
)
