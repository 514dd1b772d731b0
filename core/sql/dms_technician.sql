-- The center's technician with this employee number (a technician of another center is not one of its own).
SELECT id FROM technician WHERE center_id = %(center_id)s AND employee_no = %(employee_no)s
