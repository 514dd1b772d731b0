-- A vehicle's service history, newest first: every center's visits, from the dealer systems and Carecast.
SELECT s.source, c.code AS center_code, s.external_ref, s.visited_at, s.odometer_km, s.work, s.parts,
       t.employee_no AS technician_employee_no, s.recorded_at
FROM service_visit s
LEFT JOIN service_center c ON c.id = s.center_id
LEFT JOIN technician t ON t.id = s.technician_id
WHERE s.vehicle_id = %(vehicle_id)s::bigint
ORDER BY s.visited_at DESC, s.id DESC
LIMIT %(limit)s::integer
