-- Consent per customer and channel as the dealer recorded it (source 'import'), from a JSON array of rows; the
-- time of record moves only when the answer changes. Returns the reference of each customer whose consent changed.
WITH written AS (
    INSERT INTO customer_consent AS cc (customer_id, channel, granted, recorded_at, source)
    SELECT cu.id, r.channel, r.granted, %(now)s, 'import'
    FROM jsonb_to_recordset(%(rows)s::jsonb) AS r (ref text, channel text, granted boolean)
    JOIN customer cu ON cu.ref = r.ref AND cu.erased_at IS NULL
    ON CONFLICT (customer_id, channel) DO UPDATE SET
        granted = EXCLUDED.granted, recorded_at = EXCLUDED.recorded_at, source = EXCLUDED.source
    WHERE cc.granted IS DISTINCT FROM EXCLUDED.granted
    RETURNING cc.customer_id
)
SELECT DISTINCT cu.ref FROM written w JOIN customer cu ON cu.id = w.customer_id;
