-- A live subscription of this center (not ended, creating key neither revoked nor expired).
SELECT id FROM center_webhook
WHERE id = %(webhook_id)s AND center_id = %(center_id)s AND revoked_at IS NULL
  AND center_webhook_key_live(created_by_key, %(now)s)
