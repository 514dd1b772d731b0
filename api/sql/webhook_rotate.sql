-- A new signing secret for a live subscription of this center; the old one keeps signing (second value of
-- X-Carecast-Signature) until `grace_until` (none: the old one stops at once). No row: no such live subscription at this center.
UPDATE center_webhook
SET previous_secret = CASE WHEN %(grace_until)s::timestamptz IS NOT NULL THEN secret END,
    previous_secret_until = %(grace_until)s::timestamptz, secret = %(secret)s,
    secret_rotated_at = %(now)s
WHERE id = %(webhook_id)s AND center_id = %(center_id)s AND revoked_at IS NULL
  AND center_webhook_key_live(created_by_key, %(now)s)
RETURNING id, url, label, secret, previous_secret_until
