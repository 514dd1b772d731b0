WITH attempt AS (
    INSERT INTO delivery_attempt (delivery_id, attempted_at, ok, detail)
    VALUES (%(id)s, %(now)s, %(ok)s, %(detail)s)
)
UPDATE care_delivery
SET attempts = attempts + 1,
    status = %(status)s,
    next_attempt_at = coalesce(%(next_at)s, next_attempt_at),
    delivered_at = CASE WHEN %(ok)s THEN %(now)s::timestamptz END,
    last_error = CASE WHEN %(ok)s THEN NULL ELSE %(detail)s END
WHERE id = %(id)s
