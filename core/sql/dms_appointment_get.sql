SELECT a.external_ref, t.employee_no, a.starts, a.ends, a.cancelled, a.updated_at
FROM dms_appointment a
LEFT JOIN technician t ON t.id = a.technician_id
WHERE a.center_id = %(center_id)s AND a.external_ref = %(external_ref)s
