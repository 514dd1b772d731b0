-- Active technicians of active centers with their weekly shifts, local time of the center (none: they work the
-- center's opening hours).
SELECT t.id, t.center_id, t.name, t.skills,
       coalesce((SELECT jsonb_agg(jsonb_build_array(s.weekday, s.starts::text, s.ends::text)
                                  ORDER BY s.weekday, s.starts)
                 FROM technician_shift s
                 WHERE s.technician_id = t.id), '[]'::jsonb) AS shifts
FROM technician t
JOIN service_center c ON c.id = t.center_id AND c.active
WHERE t.active
ORDER BY t.id
