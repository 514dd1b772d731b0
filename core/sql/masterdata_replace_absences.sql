-- Make the absences of the technicians in %(employee_nos)s exactly the given ones (a JSON array of rows), by
-- (technician, start). Returns the employee number of each technician whose absences changed.
WITH wanted AS (
    SELECT t.id AS technician_id, a.starts, a.ends, a.reason
    FROM jsonb_to_recordset(%(rows)s::jsonb) AS a (employee_no text, starts timestamptz, ends timestamptz,
                                                     reason text)
    JOIN technician t ON t.employee_no = a.employee_no
), removed AS (
    DELETE FROM technician_absence ta
    USING technician t
    WHERE t.id = ta.technician_id AND t.employee_no = ANY(%(employee_nos)s::text[])
      AND NOT EXISTS (SELECT 1 FROM wanted w WHERE w.technician_id = ta.technician_id AND w.starts = ta.starts)
    RETURNING ta.technician_id
), written AS (
    INSERT INTO technician_absence AS ta (technician_id, starts, ends, reason)
    SELECT technician_id, starts, ends, reason FROM wanted
    ON CONFLICT (technician_id, starts) DO UPDATE SET ends = EXCLUDED.ends, reason = EXCLUDED.reason
    WHERE (ta.ends, ta.reason) IS DISTINCT FROM (EXCLUDED.ends, EXCLUDED.reason)
    RETURNING ta.technician_id
)
SELECT t.employee_no
FROM technician t
WHERE t.id IN (SELECT technician_id FROM removed UNION SELECT technician_id FROM written);
