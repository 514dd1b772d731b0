-- One advisor's note on a case of a car the center deals with (offered, booked, or its customer's center or
-- advisor there); returns the new id, none when the case is not the center's.
INSERT INTO case_note (risk_id, center_id, advisor_id, body, created_at)
SELECT r.id, %(center_id)s, %(advisor_id)s, %(body)s, %(now)s
FROM risk r
JOIN vehicle v ON v.id = r.vehicle_id
JOIN customer c ON c.id = v.customer_id
WHERE r.id = %(risk_id)s
  AND (c.preferred_center_id = %(center_id)s
       OR EXISTS (SELECT 1 FROM advisor a WHERE a.id = c.advisor_id AND a.center_id = %(center_id)s)
       OR EXISTS (SELECT 1 FROM booking_suggestion b WHERE b.risk_id = r.id AND b.center_id = %(center_id)s))
RETURNING id
