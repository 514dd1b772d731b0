-- The person's row becomes a tombstone: name, contacts, quiet hours and preferred center (it tells where they live;
-- without it no center gets an outreach task to call them) go; the dealer's reference (so an import does not bring
-- the person back), locale, time zone and segment (statistics) stay. A repeat changes nothing, not even
-- updated_at. Returns when the person was first erased.
UPDATE customer
SET name = '', channels = '{}', quiet_start = NULL, quiet_end = NULL, preferred_center_id = NULL,
    erased_at = coalesce(erased_at, %(now)s),
    updated_at = CASE WHEN erased_at IS NOT NULL AND name = '' AND channels = '{}'
                           AND quiet_start IS NULL AND quiet_end IS NULL AND preferred_center_id IS NULL
                      THEN updated_at ELSE %(now)s END
WHERE id = %(customer_id)s
RETURNING erased_at
