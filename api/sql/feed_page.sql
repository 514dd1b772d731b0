-- The suggested-bookings feed in ONE statement (one round trip on the hot path): find the API key by its SHA-256
-- hash, stamp last_used_at at most once a minute (so busy keys do not write per request), and cut the page only when
-- the key is live and may read the center. The page is cut on booking_suggestion alone (MATERIALIZED: before the
-- joins, so they touch only the rows returned); each item is already the JSON of one SuggestedBooking, timestamps
-- as RFC 3339 UTC ("...Z", fraction without trailing zeros: PostgreSQL's JSON form of a timestamp) like everywhere
-- else in the API.
-- Rows: one per item, each with the key's columns; a single row with NULL id/item when there are no items; no row
-- at all when no key has this hash. center_found is only consulted for admin keys (404 for a missing center).
-- A key is live when it is neither revoked nor expired (by the database clock): `revoked` is true for an expired
-- key too, so a reader of the first six columns refuses it; `expired` and `expires_at` (before id and item) say
-- why, and when a live key stops, for the principal cache.
WITH k AS (
    SELECT id, center_id, role, key_hash, revoked_at, last_used_at, expires_at,
           expires_at IS NOT NULL AND expires_at <= now() AS expired
    FROM api_key
    WHERE key_hash = %(hash)s
), touched AS (
    UPDATE api_key a
    SET last_used_at = now()
    FROM k
    WHERE a.id = k.id
      AND k.revoked_at IS NULL
      AND NOT k.expired
      AND (k.last_used_at IS NULL OR k.last_used_at < now() - INTERVAL '1 minute')
    RETURNING a.id
), page AS MATERIALIZED (
    SELECT b.*
    FROM booking_suggestion b, k
    WHERE k.revoked_at IS NULL
      AND NOT k.expired
      AND (k.role = 'admin' OR k.center_id = %(center_id)s)
      AND b.center_id = %(center_id)s
      AND b.id > %(after_id)s
      AND (%(status)s::text IS NULL OR b.status = %(status)s::text)
      AND (%(since)s::timestamptz IS NULL OR b.created_at >= %(since)s::timestamptz)
    ORDER BY b.id
    LIMIT %(limit)s
), items AS (
    SELECT b.id, si.item::text AS item
    FROM page b
    JOIN booking_suggestion_item si ON si.id = b.id
)
SELECT k.id AS key_id, k.center_id, k.role, k.key_hash AS hash, k.revoked_at IS NOT NULL OR k.expired AS revoked,
       EXISTS (SELECT 1 FROM service_center WHERE id = %(center_id)s) AS center_found,
       k.expired, k.expires_at,
       i.id, i.item
FROM k
LEFT JOIN items i ON true
ORDER BY i.id
