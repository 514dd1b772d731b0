INSERT INTO booking_suggestion (risk_id, vehicle_id, center_id, technician_id, rank, slot_start, slot_end, deadline,
                                distance_km, parts, reason, estimate, expires_at)
VALUES (%(risk_id)s, %(vehicle_id)s, %(center_id)s, %(technician_id)s, %(rank)s, %(slot_start)s, %(slot_end)s,
        %(deadline)s, %(distance_km)s, %(parts)s, %(reason)s, %(estimate)s, %(expires_at)s)
ON CONFLICT (risk_id, rank) WHERE status = 'suggested' DO NOTHING
