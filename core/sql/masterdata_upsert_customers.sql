-- Customers by reference, from a JSON array of rows. The file's contact addresses (email, phone, app) replace the
-- stored ones; other channel keys (a webhook) stay. A DMS-given advisor wins; without one the customer keeps the advisor
-- Carecast assigned (core/advisors.py). An erased customer (erased_at set) is never written again.
-- Returns (ref, created) for each row inserted or changed.
INSERT INTO customer AS c (ref, name, locale, tz, segment, preferred_center_id, advisor_id, channels, updated_at)
SELECT r.ref, r.name, r.locale, r.tz, r.segment, r.preferred_center_id, r.advisor_id, r.channels, %(now)s
FROM jsonb_to_recordset(%(rows)s::jsonb) AS r (
    ref text, name text, locale text, tz text, segment text, preferred_center_id bigint, advisor_id bigint,
    channels jsonb
)
ON CONFLICT (ref) DO UPDATE SET
    name = EXCLUDED.name, locale = EXCLUDED.locale, tz = EXCLUDED.tz, segment = EXCLUDED.segment,
    preferred_center_id = EXCLUDED.preferred_center_id, advisor_id = COALESCE(EXCLUDED.advisor_id, c.advisor_id),
    channels = (c.channels - '{email,phone,app,wechat_openid}'::text[]) || EXCLUDED.channels, updated_at = EXCLUDED.updated_at
WHERE c.erased_at IS NULL
  AND (c.name, c.locale, c.tz, c.segment, c.preferred_center_id, c.advisor_id, c.channels)
    IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.locale, EXCLUDED.tz, EXCLUDED.segment, EXCLUDED.preferred_center_id,
                      COALESCE(EXCLUDED.advisor_id, c.advisor_id), (c.channels - '{email,phone,app}'::text[]) || EXCLUDED.channels)
RETURNING c.ref, xmax = 0 AS created;
