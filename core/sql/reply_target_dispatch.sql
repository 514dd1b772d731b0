-- Where a reply to a dispatch goes: the case of its latest message, on the center the car is booked at, else the
-- center of the case's best offer, else the owner's preferred center.
SELECT m.risk_id, m.vehicle_id, m.customer_id,
       coalesce(bk.center_id, sg.center_id, c.preferred_center_id) AS center_id
FROM care_message m
JOIN customer c ON c.id = m.customer_id
LEFT JOIN care_case k ON k.risk_id = m.risk_id
LEFT JOIN booking_suggestion bk ON bk.id = k.booking_id
LEFT JOIN LATERAL (
    SELECT s.center_id FROM booking_suggestion s
    WHERE s.risk_id = m.risk_id
    ORDER BY s.status = 'suggested' DESC, s.id DESC, s.rank
    LIMIT 1
) sg ON true
WHERE m.dispatch_id = %(dispatch_id)s AND c.erased_at IS NULL
ORDER BY m.id DESC
LIMIT 1
