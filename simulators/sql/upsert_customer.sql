-- One customer by the stable CRM key kept in channels.crm_id (the table has no natural key); returns its id.
WITH updated AS (
    UPDATE customer SET name = %(name)s, locale = %(locale)s, tz = %(tz)s, segment = %(segment)s,
                        preferred_center_id = %(center_id)s, channels = %(channels)s
    WHERE channels ->> 'crm_id' = %(crm_id)s
    RETURNING id
), inserted AS (
    INSERT INTO customer (name, locale, tz, segment, preferred_center_id, channels)
    SELECT %(name)s, %(locale)s, %(tz)s, %(segment)s, %(center_id)s, %(channels)s
    WHERE NOT EXISTS (SELECT 1 FROM updated)
    RETURNING id
)
SELECT id FROM updated UNION ALL SELECT id FROM inserted;
