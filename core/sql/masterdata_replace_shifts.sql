-- Make the weekly shifts of the technicians in %(employee_nos)s exactly the given ones (a JSON array of rows).
-- Removed keys and written keys never meet in one statement: removal is of (weekday, starts) no longer wanted,
-- writing is of wanted ones. Returns the employee number of each technician whose shifts changed.
WITH wanted AS (
    SELECT t.id AS technician_id, s.weekday, s.starts, s.ends
    FROM jsonb_to_recordset(%(rows)s::jsonb) AS s (employee_no text, weekday smallint, starts time, ends time)
    JOIN technician t ON t.employee_no = s.employee_no
), removed AS (
    DELETE FROM technician_shift ts
    USING technician t
    WHERE t.id = ts.technician_id AND t.employee_no = ANY(%(employee_nos)s::text[])
      AND NOT EXISTS (
          SELECT 1 FROM wanted w
          WHERE w.technician_id = ts.technician_id AND w.weekday = ts.weekday AND w.starts = ts.starts
      )
    RETURNING ts.technician_id
), written AS (
    INSERT INTO technician_shift AS ts (technician_id, weekday, starts, ends)
    SELECT technician_id, weekday, starts, ends FROM wanted
    ON CONFLICT (technician_id, weekday, starts) DO UPDATE SET ends = EXCLUDED.ends
    WHERE ts.ends IS DISTINCT FROM EXCLUDED.ends
    RETURNING ts.technician_id
)
SELECT t.employee_no
FROM technician t
WHERE t.id IN (SELECT technician_id FROM removed UNION SELECT technician_id FROM written);
