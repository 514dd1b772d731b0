-- One DMS appointment by its reference: created, or changed when anything differs (a repeated PUT is a no-op and
-- keeps updated_at). Returns a row only when something was written; `created` tells which.
INSERT INTO dms_appointment (center_id, external_ref, technician_id, starts, ends, cancelled, updated_at)
VALUES (%(center_id)s, %(external_ref)s, %(technician_id)s, %(starts)s, %(ends)s, %(cancelled)s, %(now)s)
ON CONFLICT (center_id, external_ref) DO UPDATE
SET technician_id = EXCLUDED.technician_id, starts = EXCLUDED.starts, ends = EXCLUDED.ends,
    cancelled = EXCLUDED.cancelled, updated_at = EXCLUDED.updated_at
WHERE (dms_appointment.technician_id, dms_appointment.starts, dms_appointment.ends, dms_appointment.cancelled)
      IS DISTINCT FROM (EXCLUDED.technician_id, EXCLUDED.starts, EXCLUDED.ends, EXCLUDED.cancelled)
RETURNING (xmax = 0) AS created
