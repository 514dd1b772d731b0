-- Queued messages about a vehicle that changed hands since they were written: the previous owner no longer gets
-- them (the buyer's own conversation starts from the risk, addressed to them).
UPDATE care_message m SET status = 'cancelled'
FROM vehicle v
WHERE v.id = m.vehicle_id
  AND m.status = 'queued'
  AND m.customer_id <> v.customer_id
