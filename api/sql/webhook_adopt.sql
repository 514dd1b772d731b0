-- Rotation: the live subscriptions registered with the rotated-out key move to the new key (found by its hash),
-- so they keep delivering after the old key expires.
UPDATE center_webhook
SET created_by_key = (SELECT id FROM api_key WHERE key_hash = %(new_hash)s)
WHERE created_by_key = %(old_id)s AND revoked_at IS NULL
