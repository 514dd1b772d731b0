-- Offers that can no longer be honoured: past their expiry, too close to start, their risk is no longer open or
-- already booked, or the technician's time was taken by an accepted booking (capacity changed).
UPDATE booking_suggestion s SET status = 'expired'
FROM risk r
WHERE r.id = s.risk_id
  AND s.status = 'suggested'
  AND (s.expires_at <= %(now)s
       OR s.slot_start <= %(now)s
       OR r.status <> 'open'
       OR EXISTS (SELECT 1 FROM booking_suggestion a WHERE a.risk_id = s.risk_id AND a.status = 'accepted')
       OR EXISTS (SELECT 1 FROM booking_suggestion a
                  WHERE a.status = 'accepted' AND a.technician_id = s.technician_id
                    AND tstzrange(a.slot_start, a.slot_end) && tstzrange(s.slot_start, s.slot_end)))
RETURNING s.id
