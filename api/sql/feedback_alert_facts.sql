-- The stamps of the alerts created since `since` (one center, or all when center_id is null).
SELECT a.id, a.center_id, a.advisor_id, a.customer_id, a.created_at, a.acknowledged_at, a.contacted_at,
       a.resolved_at
FROM feedback_alert a
WHERE a.created_at >= %(since)s AND (%(center_id)s::bigint IS NULL OR a.center_id = %(center_id)s::bigint)
ORDER BY a.id
