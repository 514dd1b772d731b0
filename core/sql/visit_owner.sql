-- The vehicle an already recorded visit belongs to (to tell a repeat from a reference used for another car).
SELECT vehicle_id
FROM service_visit
WHERE source = %(source)s::text AND center_id = %(center_id)s::bigint AND external_ref = %(external_ref)s::text
