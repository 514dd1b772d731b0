-- Record one visit, keyed by (source, center, external reference): a repeat changes nothing (no row returned), a
-- corrected one updates the row. A reference already used for another vehicle is left alone (no row returned).
INSERT INTO service_visit AS s (vehicle_id, center_id, technician_id, source, external_ref, visited_at,
                                odometer_km, work, parts, recorded_at)
VALUES (%(vehicle_id)s::bigint, %(center_id)s::bigint, %(technician_id)s::bigint, %(source)s::text,
        %(external_ref)s::text, %(visited_at)s::timestamptz, %(odometer_km)s::integer, %(work)s::text[],
        %(parts)s::text[], %(now)s::timestamptz)
ON CONFLICT (source, center_id, external_ref) DO UPDATE SET
    technician_id = EXCLUDED.technician_id,
    visited_at = EXCLUDED.visited_at,
    odometer_km = EXCLUDED.odometer_km,
    work = EXCLUDED.work,
    parts = EXCLUDED.parts,
    recorded_at = EXCLUDED.recorded_at
WHERE s.vehicle_id = EXCLUDED.vehicle_id
  AND (s.technician_id, s.visited_at, s.odometer_km, s.work, s.parts)
      IS DISTINCT FROM (EXCLUDED.technician_id, EXCLUDED.visited_at, EXCLUDED.odometer_km, EXCLUDED.work,
                        EXCLUDED.parts)
RETURNING s.id, (s.xmax = 0) AS created
