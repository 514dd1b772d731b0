-- One person by the dealer's customer reference (export, erase); FOR UPDATE-free: erasure locks it itself.
SELECT c.id, c.ref, c.name, c.locale, c.tz, c.segment, pc.code AS preferred_center, c.channels,
       c.quiet_start, c.quiet_end, c.created_at, c.updated_at, c.erased_at
FROM customer c
LEFT JOIN service_center pc ON pc.id = c.preferred_center_id
WHERE c.ref = %(ref)s
