-- A new subscription, unless the center already has `max` live ones (then no row; subscriptions of revoked or
-- expired keys get no pushes and do not count). Locking the center row serialises concurrent registrations of
-- one center, so the cap holds.
WITH center AS (
    SELECT id FROM service_center WHERE id = %(center_id)s FOR UPDATE
)
INSERT INTO center_webhook (center_id, url, secret, label, created_by_key)
SELECT center.id, %(url)s, %(secret)s, %(label)s, %(key_id)s
FROM center
WHERE (
    SELECT count(*) FROM center_webhook w
    WHERE w.center_id = %(center_id)s AND w.revoked_at IS NULL AND center_webhook_key_live(w.created_by_key, now())
) < %(max)s
RETURNING id, url, label, secret, created_at
