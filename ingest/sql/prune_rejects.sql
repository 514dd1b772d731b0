-- One slice of reject rows older than the retention (oldest first); rows another ingester is deleting are
-- skipped. Called until a slice comes back short.
DELETE FROM ingest_reject
WHERE id IN (
    SELECT id
    FROM ingest_reject
    WHERE received_at < %(cutoff)s
    ORDER BY received_at
    LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
)
