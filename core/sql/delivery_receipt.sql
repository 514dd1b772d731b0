-- A provider's receipt for one delivery of a channel: the latest report wins (providers retry and reorder).
-- Returns the delivery's id whether or not this report was newer; no row: no such delivery.
WITH found AS (
    SELECT id, receipt_at FROM care_delivery
    WHERE delivery_key = %(delivery_key)s::uuid AND channel = %(channel)s
), updated AS (
    UPDATE care_delivery d
    SET receipt_status = %(status)s, receipt_at = %(at)s, provider_ref = coalesce(%(provider_ref)s, d.provider_ref)
    FROM found f
    WHERE d.id = f.id AND (f.receipt_at IS NULL OR f.receipt_at <= %(at)s)
    RETURNING d.id
)
SELECT id FROM found
