-- Free-text survey answers of the person go, the 1-5 scores stay (center satisfaction statistics); the same for
-- the copy of the answers on a center's low-feedback alert. Returns the surveys changed.
WITH surveys AS (
    UPDATE survey s
    SET answers = (SELECT coalesce(jsonb_object_agg(a.key, a.value), '{}'::jsonb)
                   FROM jsonb_each(s.answers) a WHERE jsonb_typeof(a.value) = 'number')
    WHERE s.customer_id = %(customer_id)s AND s.answers IS NOT NULL
      AND EXISTS (SELECT 1 FROM jsonb_each(s.answers) a WHERE jsonb_typeof(a.value) <> 'number')
    RETURNING s.id
), alerts AS (
    UPDATE center_feed_item f
    SET detail = jsonb_set(f.detail, '{answers}',
                           (SELECT coalesce(jsonb_object_agg(a.key, a.value), '{}'::jsonb)
                            FROM jsonb_each(f.detail -> 'answers') a WHERE jsonb_typeof(a.value) = 'number'))
    FROM survey s
    WHERE s.customer_id = %(customer_id)s AND f.kind = 'low_feedback' AND f.risk_id = s.risk_id
      AND jsonb_typeof(f.detail -> 'answers') = 'object'
    RETURNING f.id
)
SELECT (SELECT count(*) FROM surveys) AS surveys, (SELECT count(*) FROM alerts) AS alerts
