-- Serialises writers of one reservation (its lines are replaced as a set); held until the transaction ends.
SELECT pg_advisory_xact_lock(hashtextextended('dms_part_reservation:' || %(center_id)s::text || ':' || %(external_ref)s, 0))
