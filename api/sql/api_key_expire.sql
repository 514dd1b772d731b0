-- Rotation: the old key expires after the grace period (never later than an expiry it already had).
UPDATE api_key
SET expires_at = least(coalesce(expires_at, 'infinity'), now() + %(grace)s::interval)
WHERE id = %(id)s
RETURNING expires_at
