-- One customer by the stable CRM key (the customer reference); returns its id.
INSERT INTO customer (ref, name, locale, tz, segment, preferred_center_id, channels)
VALUES (%(crm_id)s, %(name)s, %(locale)s, %(tz)s, %(segment)s, %(center_id)s, %(channels)s)
ON CONFLICT (ref) DO UPDATE SET
    name = EXCLUDED.name, locale = EXCLUDED.locale, tz = EXCLUDED.tz, segment = EXCLUDED.segment,
    preferred_center_id = EXCLUDED.preferred_center_id, channels = EXCLUDED.channels, updated_at = now()
RETURNING id;
