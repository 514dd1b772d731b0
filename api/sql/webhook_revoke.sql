-- End a subscription of this center and cancel what was still waiting to be pushed to it. No row: no such live
-- subscription at this center.
WITH revoked AS (
    UPDATE center_webhook SET revoked_at = now()
    WHERE id = %(webhook_id)s AND center_id = %(center_id)s AND revoked_at IS NULL
    RETURNING id
), cancelled AS (
    UPDATE webhook_delivery d SET status = 'cancelled', next_attempt_at = now()
    FROM revoked
    WHERE d.webhook_id = revoked.id AND d.status = 'pending'
    RETURNING d.id
)
SELECT id, (SELECT count(*) FROM cancelled) AS cancelled FROM revoked
