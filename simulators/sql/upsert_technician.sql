-- One technician by employee number.
INSERT INTO technician (center_id, employee_no, name, skills, active)
VALUES (%(center_id)s, %(employee_no)s, %(name)s, %(skills)s, true)
ON CONFLICT (employee_no) DO UPDATE SET
    center_id = EXCLUDED.center_id, name = EXCLUDED.name, skills = EXCLUDED.skills, active = true;
