-- A center's own calendar days, by (center, day), from a JSON array of rows. Returns (center_id, day, created) for
-- each day inserted or changed.
INSERT INTO center_calendar_day AS d (center_id, day, kind, note)
SELECT r.center_id, r.day, r.kind, r.note
FROM jsonb_to_recordset(%(rows)s::jsonb) AS r (center_id bigint, day date, kind text, note text)
ON CONFLICT (center_id, day) DO UPDATE SET kind = EXCLUDED.kind, note = EXCLUDED.note
WHERE (d.kind, d.note) IS DISTINCT FROM (EXCLUDED.kind, EXCLUDED.note)
RETURNING d.center_id, d.day, xmax = 0 AS created;
