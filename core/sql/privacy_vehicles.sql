-- Every vehicle the person owns or owned, one row per ownership period. The plate only while the car is theirs: a
-- sold car's plate now says where its new owner is.
SELECT v.id AS vehicle_id, v.vin, CASE WHEN o.until IS NULL THEN v.plate END AS plate, v.brand, v.model,
       v.model_year, v.powertrain, v.region, v.registered_on, o.since, o.until
FROM vehicle_ownership o
JOIN vehicle v ON v.id = o.vehicle_id
WHERE o.customer_id = %(customer_id)s
ORDER BY o.since, v.id
