-- Rotation: the old token expires after the grace period (never later than an expiry it already had).
UPDATE owner_token
SET expires_at = least(coalesce(expires_at, 'infinity'), now() + %(grace)s::interval)
WHERE id = %(id)s
RETURNING expires_at
