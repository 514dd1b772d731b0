-- The link behind a token's hash with what the page needs to know who it is for; the car must still be the
-- customer's (a resale cuts the previous owner's links off).
SELECT l.id, l.customer_id, l.vehicle_id, l.risk_id, l.expires_at, l.revoked_at,
       (v.customer_id = l.customer_id) AS still_owner
FROM owner_link l
JOIN vehicle v ON v.id = l.vehicle_id
WHERE l.hash = %(hash)s
