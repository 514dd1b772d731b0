-- The photo of an owner's request as one center may see it: a center that has (or had) a slot offered or booked
-- for the request, or the owner's preferred center.
SELECT p.content_type, p.data
FROM owner_request_photo p
JOIN risk r ON r.id = p.risk_id
JOIN vehicle v ON v.id = r.vehicle_id
LEFT JOIN customer c ON c.id = v.customer_id
WHERE p.risk_id = %(risk_id)s
  AND (c.preferred_center_id = %(center_id)s
       OR EXISTS (SELECT 1 FROM booking_suggestion s WHERE s.risk_id = p.risk_id AND s.center_id = %(center_id)s))
