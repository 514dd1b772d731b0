-- The outcome of one push attempt: delivered, pending with the next try, or dead.
UPDATE webhook_delivery
SET attempts = attempts + 1,
    status = %(status)s,
    next_attempt_at = coalesce(%(next_at)s, next_attempt_at),
    delivered_at = CASE WHEN %(ok)s THEN %(now)s::timestamptz END,
    last_detail = %(detail)s
WHERE id = %(id)s
