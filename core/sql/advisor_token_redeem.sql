-- Use a one-time link (once: the row is locked and marked used) and set the advisor's password. Returns the
-- advisor, or nothing when the link is unknown, used, expired, or its advisor inactive.
WITH used AS (
    UPDATE advisor_token t SET used_at = %(now)s
    FROM advisor a
    WHERE t.token_hash = %(token_hash)s AND t.used_at IS NULL AND t.expires_at > %(now)s
      AND a.id = t.advisor_id AND a.active
    RETURNING t.advisor_id, t.purpose
)
UPDATE advisor a SET password_hash = %(password_hash)s
FROM used
WHERE a.id = used.advisor_id
RETURNING a.id, a.center_id, used.purpose
