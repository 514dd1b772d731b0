-- Where an SMS from a phone number goes (digits compared): the owner's latest open case (not yet verified or
-- closed), on the center the car is booked at, else that of its best offer, else the owner's preferred center;
-- an owner without an open case reaches the preferred center about their first car.
SELECT k.risk_id, v.id AS vehicle_id, c.id AS customer_id,
       coalesce(bk.center_id, sg.center_id, c.preferred_center_id) AS center_id
FROM customer c
JOIN vehicle v ON v.customer_id = c.id
LEFT JOIN care_case k ON k.vehicle_id = v.id AND k.stage NOT IN ('verified', 'closed')
LEFT JOIN booking_suggestion bk ON bk.id = k.booking_id
LEFT JOIN LATERAL (
    SELECT s.center_id FROM booking_suggestion s
    WHERE s.risk_id = k.risk_id
    ORDER BY s.status = 'suggested' DESC, s.id DESC, s.rank
    LIMIT 1
) sg ON true
WHERE %(phone)s <> ''
  AND regexp_replace(coalesce(c.channels ->> 'phone', ''), '[^0-9]', '', 'g') = %(phone)s
  AND c.erased_at IS NULL
ORDER BY k.risk_id IS NULL, k.updated_at DESC, v.id
LIMIT 1
