-- The ids a reported visit names: the vehicle by VIN, the center by code, the technician by employee number
-- (with the center they work at).
SELECT (SELECT v.id FROM vehicle v WHERE v.vin = %(vin)s::text) AS vehicle_id,
       (SELECT c.id FROM service_center c WHERE c.code = %(center_code)s::text) AS center_id,
       t.id AS technician_id,
       t.center_id AS technician_center_id
FROM (SELECT 1) one
LEFT JOIN technician t ON t.employee_no = %(employee_no)s::text
