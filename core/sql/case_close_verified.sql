-- The fix is verified: the case closes, and so does the risk (a new finding opens a new one).
WITH c AS (
    UPDATE care_case SET stage = 'closed', verified_at = %(now)s, closed_at = %(now)s, close_reason = 'verified',
                         updated_at = %(now)s
    WHERE risk_id = %(risk_id)s AND stage = 'serviced'
    RETURNING risk_id
)
UPDATE risk SET status = 'closed', resolved_at = coalesce(resolved_at, %(now)s)
WHERE id IN (SELECT risk_id FROM c) AND status <> 'closed'
