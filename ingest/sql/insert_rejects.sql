-- Reject rows of one batch, one round trip; a reject already recorded (redelivery, byte-identical re-send) is
-- skipped. RETURNING gives the reasons of the rows actually stored, for the counters.
INSERT INTO ingest_reject (topic, vin, reason, detail, sample_index, payload, dedup_key)
SELECT *
FROM unnest(
    %(topic)s::text[], %(vin)s::text[], %(reason)s::text[], %(detail)s::text[], %(sample_index)s::integer[],
    %(payload)s::bytea[], %(dedup_key)s::bytea[]
)
ON CONFLICT (dedup_key) DO NOTHING
RETURNING reason
