-- The customer's car to mint a support link for: by VIN, or their most recently added car when no VIN is given.
SELECT v.id
FROM vehicle v
WHERE v.customer_id = %(customer_id)s AND (%(vin)s::text IS NULL OR v.vin = %(vin)s::text)
ORDER BY v.id DESC
LIMIT 1
