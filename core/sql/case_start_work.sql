-- Stamp the "work started" step of a checked-in case, once.
UPDATE care_case
SET work_started_at = %(now)s::timestamptz, updated_at = %(now)s::timestamptz
WHERE risk_id = %(risk_id)s AND work_started_at IS NULL
