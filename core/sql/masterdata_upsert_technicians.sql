-- Technicians by employee number, from a JSON array of rows (shifts and absences are written by their own
-- statements). Returns (employee_no, created) for each row inserted or changed.
INSERT INTO technician AS t (employee_no, center_id, name, skills, active)
SELECT r.employee_no, r.center_id, r.name, r.skills, r.active
FROM jsonb_to_recordset(%(rows)s::jsonb) AS r (
    employee_no text, center_id bigint, name text, skills text[], active boolean
)
ON CONFLICT (employee_no) DO UPDATE SET
    center_id = EXCLUDED.center_id, name = EXCLUDED.name, skills = EXCLUDED.skills, active = EXCLUDED.active
WHERE (t.center_id, t.name, t.skills, t.active)
    IS DISTINCT FROM (EXCLUDED.center_id, EXCLUDED.name, EXCLUDED.skills, EXCLUDED.active)
RETURNING t.employee_no, xmax = 0 AS created;
