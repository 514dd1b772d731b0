-- Service advisors by employee number, from a JSON array of rows. Returns (employee_no, created) for each row
-- inserted or changed. The DMS may deactivate an advisor but not bring back one the center deactivated
-- (deactivated_at, migration 0044): that takes a new invitation.
INSERT INTO advisor AS a (employee_no, center_id, name, email, phone, active)
SELECT r.employee_no, r.center_id, r.name, r.email, r.phone, r.active
FROM jsonb_to_recordset(%(rows)s::jsonb) AS r (
    employee_no text, center_id bigint, name text, email text, phone text, active boolean
)
ON CONFLICT (employee_no) DO UPDATE SET
    center_id = EXCLUDED.center_id, name = EXCLUDED.name, email = EXCLUDED.email, phone = EXCLUDED.phone,
    active = EXCLUDED.active AND a.deactivated_at IS NULL
WHERE (a.center_id, a.name, a.email, a.phone, a.active)
    IS DISTINCT FROM (EXCLUDED.center_id, EXCLUDED.name, EXCLUDED.email, EXCLUDED.phone,
                      EXCLUDED.active AND a.deactivated_at IS NULL)
RETURNING a.employee_no, xmax = 0 AS created;
