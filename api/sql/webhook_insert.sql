-- A new subscription, unless the center already has `max` live ones (then no row). Locking the center row
-- serialises concurrent registrations of one center, so the cap holds.
WITH center AS (
    SELECT id FROM service_center WHERE id = %(center_id)s FOR UPDATE
)
INSERT INTO center_webhook (center_id, url, secret, label, created_by_key)
SELECT center.id, %(url)s, %(secret)s, %(label)s, %(key_id)s
FROM center
WHERE (SELECT count(*) FROM center_webhook WHERE center_id = %(center_id)s AND revoked_at IS NULL) < %(max)s
RETURNING id, url, label, secret, created_at
