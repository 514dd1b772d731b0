-- What holds the time of the centers' technicians and bays, ending after `since`: accepted bookings and offers still
-- on the table (an offer for a risk that is no longer open no longer holds its slot), the dealer's DMS appointments
-- not cancelled (one without a technician takes a bay only; the DMS copy of an accepted Carecast booking,
-- external_ref 'carecast-<id>', is that booking), and technicians' absences (their time, not a bay).
SELECT s.center_id, s.technician_id, s.slot_start AS starts, s.slot_end AS ends, true AS takes_bay
FROM booking_suggestion s
JOIN risk r ON r.id = s.risk_id
WHERE s.center_id = ANY(%(center_ids)s)
  AND s.slot_end > %(since)s
  AND (s.status = 'accepted' OR (s.status = 'suggested' AND r.status = 'open'))
UNION ALL
SELECT a.center_id, a.technician_id, a.starts, a.ends, true
FROM dms_appointment a
WHERE a.center_id = ANY(%(center_ids)s) AND a.ends > %(since)s AND NOT a.cancelled
  AND NOT EXISTS (SELECT 1 FROM booking_suggestion b
                  WHERE b.id = CASE WHEN a.external_ref ~ '^carecast-[0-9]{1,18}$'
                                    THEN substr(a.external_ref, 10)::bigint END
                    AND b.status = 'accepted')
UNION ALL
SELECT t.center_id, t.id, x.starts, x.ends, false
FROM technician_absence x
JOIN technician t ON t.id = x.technician_id
WHERE t.center_id = ANY(%(center_ids)s) AND x.ends > %(since)s
ORDER BY 1, 2, 3
