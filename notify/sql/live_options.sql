-- The risk's booking options that can still be honoured at delivery time: offered and unexpired, starting after
-- now, the risk not booked, the technician's time not taken by an accepted booking, and nothing in the dealer's
-- data ruling the slot out (booking_slot_conflict, migration 0027). Best rank first.
SELECT s.rank, s.slot_start, s.slot_end, s.deadline, s.distance_km, s.parts, s.reason,
       c.id AS center_id, c.name AS center_name, c.city, c.region, c.lat_deg, c.lon_deg, c.tz, c.opening_hours,
       t.id AS technician_id, t.name AS technician_name
FROM booking_suggestion s
JOIN service_center c ON c.id = s.center_id
JOIN technician t ON t.id = s.technician_id
WHERE s.risk_id = %(risk_id)s
  AND s.status = 'suggested'
  AND s.slot_start > %(now)s
  AND (s.expires_at IS NULL OR s.expires_at > %(now)s)
  AND NOT EXISTS (SELECT 1 FROM booking_suggestion a WHERE a.risk_id = s.risk_id AND a.status = 'accepted')
  AND NOT EXISTS (SELECT 1 FROM booking_suggestion a
                  WHERE a.status = 'accepted' AND a.technician_id = s.technician_id
                    AND tstzrange(a.slot_start, a.slot_end) && tstzrange(s.slot_start, s.slot_end))
  AND booking_slot_conflict(s.id, s.center_id, s.technician_id, s.slot_start, s.slot_end) IS NULL
ORDER BY s.rank
